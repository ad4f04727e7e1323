/**
 * Refusal codes are named once, in src/redis/script-codes.ts: the scripts read them as CODE (an include
 * generated from that table) and never write a bare refusal number.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import t from 'tap'
import { LUA_DIR } from '../src/paths.js'
import { GENERATED_INCLUDES } from '../src/redis/generated-includes.js'
import { SCRIPT_CODE } from '../src/redis/script-codes.js'
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
})

t.test('no script replies with a bare negative number', async (t) => {
  for (const [file, source] of luaSources()) {
    const bare = code(source).match(/return\s+\{?\s*-\d+|table\.insert\([^)]*,\s*-\d+\s*\)/g) ?? []
    t.same(bare, [], `${file}: refusals by name`)
  }
})

t.test('the generated include gives Redis the same numbers and refuses unknown names', async (t) => {
  const redis = new Redis(TEST_REDIS_URL)
  t.teardown(() => redis.disconnect())
  const include = GENERATED_INCLUDES.get('includes/codes') ?? ''
  const names = Object.keys(SCRIPT_CODE)
  const values = await redis.eval(
    `${include}\nlocal out = {}\nfor i, name in ipairs(ARGV) do out[i] = CODE[name] end\nreturn out`,
    0,
    ...names,
  )
  t.same(values, Object.values(SCRIPT_CODE), 'every code has the same number in Lua')
  await t.rejects(
    redis.eval(`${include}\nreturn { CODE.NO_SUCH_CODE }`, 0),
    /CODE\.NO_SUCH_CODE is not defined/,
    'a misspelt name fails the script instead of replying nil',
  )
})
