/**
 * Refusal codes are named once, in src/redis/script-codes.ts: scripts write CODE.<NAME>, the loader puts
 * in the number (src/redis/lua-constants.ts), and no script writes a bare refusal number.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import t from 'tap'
import { LUA_DIR } from '../src/paths.js'
import { inlineConstants } from '../src/redis/lua-constants.js'
import { SCRIPT_CODE } from '../src/redis/script-codes.js'
import { loadScripts } from '../src/redis/scripts.js'
import { TEST_REDIS_URL } from './helpers/app.js'

function luaSources(): [string, string][] {
  const files = readdirSync(LUA_DIR)
    .filter((f) => f.endsWith('.lua'))
    .map((f) => join(LUA_DIR, f))
  const includes = readdirSync(join(LUA_DIR, 'includes')).map((f) => join(LUA_DIR, 'includes', f))
  return [...files, ...includes].map((path) => [path.slice(LUA_DIR.length + 1), readFileSync(path, 'utf8')])
}

/** Lua with its comments removed (a header may mention a code's name or number). */
function code(source: string): string {
  return source.replace(/--\[\[[\s\S]*?\]\]/g, '').replace(/--.*$/gm, '')
}

t.test('every CODE name a script uses is defined in script-codes.ts', async (t) => {
  let uses = 0
  for (const [file, source] of luaSources()) {
    for (const [, name] of code(source).matchAll(/\bCODE\.(\w+)/g)) {
      uses++
      t.ok(name && name in SCRIPT_CODE, `${file}: CODE.${name} is defined`)
    }
  }
  t.ok(uses > 20, `${uses} uses checked`)
  t.doesNotThrow(() => loadScripts(), 'so every script loads')
})

t.test('no script replies with a bare negative number', async (t) => {
  for (const [file, source] of luaSources()) {
    const bare = code(source).match(/return\s+\{?\s*-\d+|table\.insert\([^)]*,\s*-\d+\s*\)/g) ?? []
    t.same(bare, [], `${file}: refusals by name`)
  }
})

t.test('the loader gives Redis the same numbers and refuses unknown names', async (t) => {
  const redis = new Redis(TEST_REDIS_URL)
  t.teardown(() => redis.disconnect())
  const names = Object.keys(SCRIPT_CODE)
  const lua = inlineConstants(`return { ${names.map((name) => `CODE.${name}`).join(', ')} }`, 'test.lua')
  t.same(await redis.eval(lua, 0), Object.values(SCRIPT_CODE), 'every code has the same number in Lua')
  t.equal(
    await redis.eval(inlineConstants('return 1 - CODE.SEATS_TAKEN', 'test.lua'), 0),
    2,
    'a negative code stays one operand',
  )
  t.throws(
    () => inlineConstants('return { CODE.NO_SUCH_CODE }', 'bad-1.lua'),
    /bad-1\.lua: CODE\.NO_SUCH_CODE is not defined/,
    'a misspelt name fails the load',
  )
})
