/**
 * .env.example is the operator's list of settings: it must name every variable the service reads, and
 * its values (the defaults) must load.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { loadConfig } from '../src/config.js'
import { ROOT_DIR } from '../src/paths.js'

t.test('.env.example names every variable and its values load', async (t) => {
  const example = await readFile(join(ROOT_DIR, '.env.example'), 'utf8')
  const source = await readFile(join(ROOT_DIR, 'src', 'config.ts'), 'utf8')
  const read = new Set(
    [...source.matchAll(/env\.([A-Z][A-Z0-9_]+)|env, '([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1] ?? m[2]),
  )
  t.ok(read.size > 10, `config.ts reads ${read.size} variables`)
  for (const name of read) t.match(example, new RegExp(`^#? ?${name}=`, 'm'), `${name} is in .env.example`)

  const values: Record<string, string> = {}
  for (const line of example.split('\n')) {
    const m = /^([A-Z][A-Z0-9_]+)=(.*)$/.exec(line)
    if (m) values[m[1] as string] = m[2] as string
  }
  const config = loadConfig(values)
  t.equal(config.port, 3000, 'the values load as the defaults')
  t.same(config.corsOrigins, [])
})
