/**
 * ARCHITECTURE.md stays true: every path it names exists (a glob's `*` stands for a script's key count).
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import t from 'tap'
import { ROOT_DIR } from '../src/paths.js'

async function exists(path: string): Promise<boolean> {
  if (path.includes('*')) {
    const dir = dirname(path)
    const pattern = new RegExp(
      `^${path
        .slice(dir.length + 1)
        .replace(/[.]/g, '\\.')
        .replace('*', '\\d+')}$`,
    )
    return (await readdir(join(ROOT_DIR, dir))).some((name) => pattern.test(name))
  }
  return stat(join(ROOT_DIR, path)).then(
    () => true,
    () => false,
  )
}

t.test('every path ARCHITECTURE.md names exists', async (t) => {
  const text = await readFile(join(ROOT_DIR, 'ARCHITECTURE.md'), 'utf8')
  const paths = new Set(
    [...text.matchAll(/\b((?:src|lua|test|bench|client|ops)\/[A-Za-z0-9_./*-]*|\.env\.example)/g)]
      .map((m) => (m[1] as string).replace(/[.)]+$/, ''))
      .filter((p) => p.length > 4),
  )
  t.ok(paths.size > 20, `${paths.size} paths named`)
  for (const path of paths) t.ok(await exists(path), path)
})
