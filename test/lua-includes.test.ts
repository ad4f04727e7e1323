/**
 * The scripts' shared helpers live in lua/includes/, one topic a file, and each script includes only the
 * files it calls (so Redis builds only those helpers on every call). Lua reads a name that is not yet a
 * local as a global, and Redis fails that read only when the line runs: a missing include, or one placed
 * after its first use, would pass every test that never reaches that line. So this reads the text Redis
 * runs: every helper a script or an include uses is defined before its first use, and every include a
 * file names is used by that file itself.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { LUA_DIR } from '../src/paths.js'
import { scriptText } from '../src/redis/scripts.js'

const INCLUDES = join(LUA_DIR, 'includes')
const INCLUDE_LINE = /^--- @include "includes\/([\w-]+)"\s*$/gm

/** Lua without its comments and with every string literal emptied: only code is searched. */
function codeOf(lua: string): string {
  return lua
    .replace(/--\[\[[\s\S]*?\]\]/g, '')
    .replace(/--.*$/gm, '')
    .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g, "''")
}

/** Each helper (top-level local of an include) and the include that defines it. */
function helpers(): Map<string, string> {
  const out = new Map<string, string>()
  for (const file of readdirSync(INCLUDES)) {
    const include = file.replace(/\.lua$/, '')
    // `local function f`, `local X =`, and `local a, b = ...` (a function returning two helpers).
    for (const m of readFileSync(join(INCLUDES, file), 'utf8').matchAll(
      /^local (?:function )?(\w+(?:, \w+)*)/gm,
    ))
      for (const name of (m[1] as string).split(', ')) out.set(name, include)
  }
  return out
}

/**
 * Where `code` first uses the helper `name`: a call for a function, any read for a constant
 * (UPPER_CASE); a field (`x.name`), a method or the helper's own definition is not a use. -1 when none.
 */
function firstUse(code: string, name: string): number {
  const constant = /^[A-Z_]+$/.test(name)
  const use = new RegExp(`(?<![.:\\w])${name}${constant ? '\\b' : '\\s*\\('}`, 'g')
  for (const m of code.matchAll(use)) {
    const before = code.slice(code.lastIndexOf('\n', m.index) + 1, m.index)
    if (!/^local (function )?(\w+, )*$/.test(before)) return m.index
  }
  return -1
}

function definitionAt(code: string, name: string): number {
  return code.search(new RegExp(`^local (function )?(\\w+, )*${name}\\b`, 'm'))
}

/** What is wrong with one file: helpers used before (or without) their definition, includes not used. */
function includeProblems(file: string, source: string, known = helpers()): string[] {
  const problems: string[] = []
  const code = codeOf(scriptText(file, source))
  for (const name of known.keys()) {
    const used = firstUse(code, name)
    if (used < 0) continue
    const defined = definitionAt(code, name)
    if (defined < 0 || defined > used)
      problems.push(`${file} uses ${name} (includes/${known.get(name) ?? '?'}) before defining it`)
  }
  const own = codeOf(source.replace(INCLUDE_LINE, ''))
  for (const m of source.matchAll(INCLUDE_LINE)) {
    const include = m[1] as string
    const names = [...known].filter(([, from]) => from === include).map(([name]) => name)
    if (!names.some((name) => firstUse(own, name) >= 0))
      problems.push(`${file} includes ${include} but uses nothing of it`)
  }
  return problems
}

t.test(
  'every script defines each helper it uses before using it, and uses each include it names',
  async (t) => {
    const known = helpers()
    const scripts = readdirSync(LUA_DIR).filter((f) => f.endsWith('.lua'))
    t.ok(scripts.length > 20, 'the scripts are found')
    for (const file of scripts) {
      t.same(includeProblems(file, readFileSync(join(LUA_DIR, file), 'utf8'), known), [], file)
    }
  },
)

t.test('every include brings what it needs itself', async (t) => {
  const known = helpers()
  for (const file of readdirSync(INCLUDES)) {
    const include = file.replace(/\.lua$/, '')
    t.same(
      includeProblems(`includes/${file}`, readFileSync(join(INCLUDES, file), 'utf8'), known),
      [],
      include,
    )
  }
})

t.test('the check finds a missing include, one in the wrong order, and one not used', async (t) => {
  const missing =
    '#!lua\n--- @include "includes/basics"\nlocal now = nowMs()\nreturn freeHold(1, 2, 3, 4, now)'
  t.match(includeProblems('missing-0.lua', missing), [
    /uses freeHold \(includes\/free-hold\) before defining it/,
  ])
  const pair = '#!lua\nreturn isSold(ARGV[1])'
  t.same(includeProblems('pair-0.lua', pair), [
    'pair-0.lua uses isSold (includes/seat-values) before defining it',
  ])
  const late = '#!lua\nlocal now = nowMs()\n--- @include "includes/basics"\nreturn now'
  t.match(includeProblems('late-0.lua', late), [/uses nowMs .* before defining it/])
  const unused = '#!lua\n--- @include "includes/basics"\n--- @include "includes/changes"\nreturn nowMs()'
  t.same(includeProblems('unused-0.lua', unused), ['unused-0.lua includes changes but uses nothing of it'])
  t.same(includeProblems('fine-0.lua', '#!lua\n--- @include "includes/basics"\nreturn nowMs()'), [])
})
