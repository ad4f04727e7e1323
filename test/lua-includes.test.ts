/**
 * The scripts' shared helpers live in lua/includes/, one topic a file, and each script includes only the
 * files it calls (so Redis builds only those helpers on every call). Lua reads a name that is not yet a
 * local as a global, and Redis fails that read only when the line runs: a missing include, one placed
 * after its first use, a helper renamed or mistyped, would pass every test that never reaches that line.
 * So this reads the text Redis runs: every helper a script or an include uses is defined before its first
 * use, every function it calls is declared (or is one of Lua's), no helper is defined twice, and every
 * include a file names is used by that file itself.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { LUA_DIR } from '../src/paths.js'
import { scriptText } from '../src/redis/scripts.js'

const INCLUDES = join(LUA_DIR, 'includes')
const INCLUDE_LINE = /^--- @include "includes\/([\w-]+)"\s*$/gm
/** A top-level definition: `local function f`, `local X = ...`, `local a, b = ...`. */
const TOP_LEVEL_LOCAL = /^local (function )?(\w+(?:\s*,\s*\w+)*)/gm
/** The functions a Redis script may call without declaring them. */
// prettier-ignore
const LUA_FUNCTIONS = new Set([
  'assert', 'error', 'getmetatable', 'ipairs', 'next', 'pairs', 'pcall', 'rawequal', 'rawget', 'rawset',
  'select', 'setmetatable', 'tonumber', 'tostring', 'type', 'unpack', 'xpcall',
])

interface Helper {
  include: string
  /** Defined with `local function`: used when called. Otherwise a value: used wherever it is read. */
  isFunction: boolean
}

/** Lua without its comments and with every string literal emptied: only code is searched. */
function codeOf(lua: string): string {
  return lua
    .replace(/--\[\[[\s\S]*?\]\]/g, '')
    .replace(/--.*$/gm, '')
    .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g, "''")
}

function topLevelNames(code: string): { name: string; isFunction: boolean }[] {
  return [...code.matchAll(TOP_LEVEL_LOCAL)].flatMap((m) =>
    (m[2] as string).split(/\s*,\s*/).map((name) => ({ name, isFunction: m[1] !== undefined })),
  )
}

/** Each helper (top-level local of an include), and the names two includes both define. */
function helpers(): { known: Map<string, Helper>; twice: string[] } {
  const known = new Map<string, Helper>()
  const twice: string[] = []
  for (const file of readdirSync(INCLUDES)) {
    const include = file.replace(/\.lua$/, '')
    for (const { name, isFunction } of topLevelNames(codeOf(readFileSync(join(INCLUDES, file), 'utf8')))) {
      const before = known.get(name)
      if (before) twice.push(`${name} (includes/${before.include} and includes/${include})`)
      known.set(name, { include, isFunction })
    }
  }
  return { known, twice }
}

/** A match that is the name's own declaration (`local x`, `local a, x`, `local function x`), not a use. */
function isDeclaration(code: string, at: number): boolean {
  const before = code.slice(code.lastIndexOf('\n', at) + 1, at)
  return /^\s*local (function )?(\w+\s*,\s*)*$/.test(before)
}

/**
 * Where `code` first uses `name`: a call for a function, any read for a value; a field (`x.name`), a
 * method or a declaration of the name is not a use. -1 when none.
 */
function firstUse(code: string, name: string, isFunction: boolean): number {
  const use = new RegExp(`(?<![.:\\w])${name}${isFunction ? '\\s*\\(' : '\\b'}`, 'g')
  for (const m of code.matchAll(use)) if (!isDeclaration(code, m.index)) return m.index
  return -1
}

function definitionAt(code: string, name: string): number {
  return code.search(new RegExp(`^local (function )?(\\w+\\s*,\\s*)*${name}\\b`, 'm'))
}

/** Every name the code declares anywhere (locals, parameters, loop variables), at its first declaration. */
function declarations(code: string): Map<string, number> {
  const out = new Map<string, number>()
  const add = (names: string, at: number) => {
    for (const name of names.split(/\s*,\s*/)) if (name && !out.has(name)) out.set(name, at)
  }
  for (const m of code.matchAll(/\blocal (?:function )?(\w+(?:\s*,\s*\w+)*)/g)) add(m[1] as string, m.index)
  for (const m of code.matchAll(/\bfunction\s*\w*\s*\(([^)]*)\)/g)) add(m[1] as string, m.index)
  for (const m of code.matchAll(/\bfor (\w+(?:\s*,\s*\w+)*)\s*(?:=|in\b)/g)) add(m[1] as string, m.index)
  return out
}

/** What is wrong with one file (a script or an include, resolved as Redis gets it). */
function includeProblems(file: string, source: string, known = helpers().known): string[] {
  const problems: string[] = []
  const code = codeOf(scriptText(file, source))
  for (const [name, helper] of known) {
    const used = firstUse(code, name, helper.isFunction)
    if (used < 0) continue
    const defined = definitionAt(code, name)
    if (defined < 0 || defined > used)
      problems.push(`${file} uses ${name} (includes/${helper.include}) before defining it`)
  }
  // Any other call: a helper of the script's own, or one of Lua's; a typo or a helper gone is neither.
  const declared = declarations(code)
  const reported = new Set<string>()
  for (const m of code.matchAll(/(?<![.:\w])([A-Za-z_]\w*)\s*\(/g)) {
    const name = m[1] as string
    if (known.has(name) || LUA_FUNCTIONS.has(name) || reported.has(name)) continue
    if (/^(function|if|elseif|while|until|return|and|or|not|in)$/.test(name)) continue
    if (isDeclaration(code, m.index)) continue
    const at = declared.get(name)
    if (at === undefined || at > m.index) {
      reported.add(name)
      problems.push(`${file} calls ${name}, declared nowhere before`)
    }
  }
  for (const { name } of topLevelNames(code)) {
    const defined = [...code.matchAll(new RegExp(`^local (function )?(\\w+\\s*,\\s*)*${name}\\b`, 'gm'))]
    if (known.has(name) && defined.length > 1) problems.push(`${file} defines ${name} twice`)
  }
  const own = codeOf(source.replace(INCLUDE_LINE, ''))
  for (const m of source.matchAll(INCLUDE_LINE)) {
    const include = m[1] as string
    const names = [...known].filter(([, helper]) => helper.include === include)
    if (!names.some(([name, helper]) => firstUse(own, name, helper.isFunction) >= 0))
      problems.push(`${file} includes ${include} but uses nothing of it`)
  }
  return [...new Set(problems)]
}

t.test('no helper is defined in two includes', async (t) => {
  const { known, twice } = helpers()
  t.ok(known.size > 50, 'the helpers are found')
  t.same(twice, [])
})

t.test(
  'every script defines each helper it uses before using it, calls nothing undeclared, and uses each include it names',
  async (t) => {
    const { known } = helpers()
    const scripts = readdirSync(LUA_DIR).filter((f) => f.endsWith('.lua'))
    t.ok(scripts.length > 20, 'the scripts are found')
    for (const file of scripts) {
      t.same(includeProblems(file, readFileSync(join(LUA_DIR, file), 'utf8'), known), [], file)
    }
  },
)

t.test('every include brings what it needs itself', async (t) => {
  const { known } = helpers()
  for (const file of readdirSync(INCLUDES)) {
    const include = file.replace(/\.lua$/, '')
    t.same(
      includeProblems(`includes/${file}`, readFileSync(join(INCLUDES, file), 'utf8'), known),
      [],
      include,
    )
  }
})

t.test('the check finds what Redis would refuse only when the line runs', async (t) => {
  const missing =
    '#!lua\n--- @include "includes/basics"\nlocal now = nowMs()\nreturn freeHold(1, 2, 3, 4, now)'
  t.match(includeProblems('missing-0.lua', missing), [
    /uses freeHold \(includes\/free-hold\) before defining it/,
  ])
  const pair = '#!lua\nreturn isSold(ARGV[1])'
  t.same(includeProblems('pair-0.lua', pair), [
    'pair-0.lua uses isSold (includes/seat-values) before defining it',
  ])
  const table = '#!lua\nwatched[KEYS[1]] = true\nreturn 1'
  t.same(includeProblems('table-0.lua', table), [
    'table-0.lua uses watched (includes/changes) before defining it',
  ])
  const late = '#!lua\nlocal now = nowMs()\n--- @include "includes/basics"\nreturn now'
  t.match(includeProblems('late-0.lua', late), [/uses nowMs .* before defining it/])
  const typo = '#!lua\n--- @include "includes/basics"\nreturn nowMS()'
  t.same(includeProblems('typo-0.lua', typo), [
    'typo-0.lua calls nowMS, declared nowhere before',
    'typo-0.lua includes basics but uses nothing of it',
  ])
  const ownLate = '#!lua\nlocal x = step()\nlocal function step()\n  return 1\nend\nreturn x'
  t.same(includeProblems('own-0.lua', ownLate), ['own-0.lua calls step, declared nowhere before'])
  const twice =
    '#!lua\n--- @include "includes/basics"\nlocal function nowMs()\n  return 0\nend\nreturn nowMs()'
  t.same(includeProblems('twice-0.lua', twice), ['twice-0.lua defines nowMs twice'])
  const unused = '#!lua\n--- @include "includes/basics"\n--- @include "includes/changes"\nreturn nowMs()'
  t.same(includeProblems('unused-0.lua', unused), ['unused-0.lua includes changes but uses nothing of it'])
  const fine =
    '#!lua\n--- @include "includes/basics"\nlocal function twice(f, x)\n  return f(f(x))\nend\nreturn twice(tostring, nowMs())'
  t.same(includeProblems('fine-0.lua', fine), [])
})
