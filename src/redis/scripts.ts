import { createHash } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Cluster, Redis, Result } from 'ioredis'
import { LUA_DIR } from '../paths.js'
import { inlineConstants } from './lua-constants.js'
import { callScript, scriptToCall } from './script-call.js'
import type { ScriptToCall } from './script-call.js'

/** Raw script replies: arrays of integers and strings, as documented in each script's header. */
export type ScriptReply = (string | number)[]

/**
 * Every script in lua/ is a method of the client (defineScripts), run as a function of one Redis library
 * (FCALL; the library is loaded when Redis answers that it lacks it, see script-call.ts). Key
 * counts vary per call (seat keys), so each call passes numkeys first.
 */
declare module 'ioredis' {
  interface RedisCommander<Context> {
    createHold(numKeys: number, ...keysAndArgs: (string | number)[]): Result<ScriptReply, Context>
    getHold(numKeys: number, ...keysAndArgs: (string | number)[]): Result<ScriptReply, Context>
    extendHold(numKeys: number, ...keysAndArgs: (string | number)[]): Result<ScriptReply, Context>
    releaseHold(numKeys: number, ...keysAndArgs: (string | number)[]): Result<ScriptReply, Context>
    reclaimHolder(numKeys: number, ...keysAndArgs: (string | number)[]): Result<ScriptReply, Context>
    releaseHolder(numKeys: number, ...keysAndArgs: (string | number)[]): Result<ScriptReply, Context>
    sweepEvent(numKeys: number, ...keysAndArgs: (string | number)[]): Result<ScriptReply, Context>
    pinHold(numKeys: number, ...keysAndArgs: (string | number)[]): Result<ScriptReply, Context>
    unpinHold(numKeys: number, ...keysAndArgs: (string | number)[]): Result<ScriptReply, Context>
    returnSeats(numKeys: number, ...keysAndArgs: (string | number)[]): Result<ScriptReply, Context>
    activateEvent(numKeys: number, ...keysAndArgs: (string | number)[]): Result<ScriptReply, Context>
    markSold(numKeys: number, ...keysAndArgs: (string | number)[]): Result<ScriptReply, Context>
    syncSold(numKeys: number, ...keysAndArgs: (string | number)[]): Result<ScriptReply, Context>
    abandonHold(numKeys: number, ...keysAndArgs: (string | number)[]): Result<ScriptReply, Context>
    finaliseHolds(numKeys: number, ...keysAndArgs: (string | number)[]): Result<ScriptReply, Context>
    retireEvent(numKeys: number, ...keysAndArgs: (string | number)[]): Result<ScriptReply, Context>
    dropEventKeys(numKeys: number, ...keysAndArgs: (string | number)[]): Result<ScriptReply, Context>
    markCancelling(numKeys: number, ...keysAndArgs: (string | number)[]): Result<ScriptReply, Context>
    healSold(numKeys: number, ...keysAndArgs: (string | number)[]): Result<ScriptReply, Context>
    recordSales(numKeys: number, ...keysAndArgs: (string | number)[]): Result<ScriptReply, Context>
    indexRows(numKeys: number, ...keysAndArgs: (string | number)[]): Result<ScriptReply, Context>
    countRequests(numKeys: number, ...keysAndArgs: (string | number)[]): Result<ScriptReply, Context>
    blockSeats(numKeys: number, ...keysAndArgs: (string | number)[]): Result<ScriptReply, Context>
    freeBlock(numKeys: number, ...keysAndArgs: (string | number)[]): Result<ScriptReply, Context>
  }
}

const INCLUDE = /^--- @include "([\w/-]+)"\s*$/gm

function withIncludes(source: string, luaDir = LUA_DIR, seen = new Set<string>()): string {
  return source.replace(INCLUDE, (_line, name: string) => {
    if (seen.has(name)) return ''
    seen.add(name)
    const text = readFileSync(join(luaDir, `${name}.lua`), 'utf8')
    checkLongBrackets(`${name}.lua`, text)
    return withIncludes(text, luaDir, seen)
  })
}

/**
 * Checks one script file before it is registered, so drift fails the process at start (and the test
 * that loads every script): the first line is a `#!lua` shebang (Redis then refuses a writing script
 * before it runs when over maxmemory, and enforces the flags), and the key count in the file name is the
 * highest fixed `KEYS[n]` its header declares (variable lists are written `KEYS[n..]`), and no long bracket
 * nests another (checkLongBrackets).
 */
export function checkScript(file: string, source: string): void {
  const match = /^(\w+)-(\d+)\.lua$/.exec(file)
  if (!match) throw new Error(`${file}: not named <name>-<numberOfKeys>.lua`)
  const firstLine = source.split('\n', 1)[0] ?? ''
  if (!/^#!lua( flags=[\w,-]+)?$/.test(firstLine))
    throw new Error(`${file}: the first line must be a #!lua shebang, found "${firstLine}"`)
  const header = /--\[\[([\s\S]*?)\]\]/.exec(source)?.[1] ?? ''
  const declared = Math.max(0, ...Array.from(header.matchAll(/KEYS\[(\d+)\](?!\.)/g), (m) => Number(m[1])))
  if (declared !== Number(match[2]))
    throw new Error(`${file}: the header declares ${declared} fixed KEYS, the file name says ${match[2]}`)
  checkLongBrackets(file, source)
}

/** A level-0 long bracket (`[[ … ]]`, a string or, after `--`, a comment) up to where Lua ends it. */
const LONG_BRACKET = /\[\[([\s\S]*?)\]\]/g

/**
 * Refuses script text with `[[` inside a `[[ … ]]` (a long comment holding a JSON example such as
 * `[[row, offset]]`). Debian's Redis accepts it; the Lua built into upstream Redis, which the official
 * images run, fails the whole load with "nesting of [[...]] is deprecated", so the service could not start
 * there. Checked on every file as it is read (each script by checkScript, each include as it is inlined), so
 * the process fails at start here too and the error names the file and line to mend.
 */
export function checkLongBrackets(file: string, text: string): void {
  for (const match of text.matchAll(LONG_BRACKET)) {
    const inner = match[1] ?? ''
    if (!inner.includes('[[')) continue
    const line = text.slice(0, (match.index ?? 0) + 2 + inner.indexOf('[[')).split('\n').length
    throw new Error(`${file}: "[[" inside a [[ … ]] block (line ${line}): upstream Redis's Lua refuses it`)
  }
}

/**
 * What Redis runs for a script file: its `--- @include` lines replaced by the included files (each at
 * most once) and the shared constants by their values (lua-constants.ts).
 */
export function scriptText(file: string, source: string, luaDir = LUA_DIR): string {
  return inlineConstants(withIncludes(source, luaDir), file)
}

const SCRIPT_FILE = /^(\w+)-\d+\.lua$/

/** The script (command) name of a file under lua/: `createHold` for createHold-11.lua. */
function scriptName(file: string): string {
  return SCRIPT_FILE.exec(file)?.[1] ?? file
}

/** A script file: its name under lua/ and its text. */
export interface ScriptSource {
  file: string
  source: string
}

/** The script files of lua/. */
function scriptSources(): ScriptSource[] {
  return readdirSync(LUA_DIR)
    .filter((file) => SCRIPT_FILE.test(file))
    .sort()
    .map((file) => ({ file, source: readFileSync(join(LUA_DIR, file), 'utf8') }))
}

/** Script sources by command name, includes and constants inlined. */
export function loadScripts(): Map<string, string> {
  return new Map(
    scriptSources().map(({ file, source }) => {
      checkScript(file, source)
      return [scriptName(file), scriptText(file, source)]
    }),
  )
}

/**
 * Include-level state that lives for one call (a cache of the call's KEYS, of what it already did): one
 * name a line, which ends `-- @per-call`; a function library sets it again at the start of every call.
 */
const PER_CALL_LINE = /^local (\w+) = (.+?)\s*-- @per-call\b.*$/
const PER_CALL = new RegExp(PER_CALL_LINE.source, 'gm')
/** Every include-level `local` that is not a function: a constant, a @per-call state or a @fixed value. */
const INCLUDE_LOCAL = /^local (?!function\b)([\w, ]+?)\s*(?:=.*)?$/gm
const CONSTANT_NAME = /^[A-Z][A-Z0-9_]*$/

/**
 * The names of include-level locals that would outlive a call in a function library unnoticed: only
 * upper-case constants, functions, `-- @fixed` values (set once as the library loads, never changed) and
 * single `-- @per-call` states may be declared at include level.
 */
function unmarkedState(includes: string): string[] {
  const unmarked: string[] = []
  for (const match of includes.matchAll(INCLUDE_LOCAL)) {
    const [line, list = ''] = match
    const names = list.split(',').map((name) => name.trim())
    if (names.every((name) => CONSTANT_NAME.test(name)) || /-- @fixed\b/.test(line)) continue
    if (PER_CALL_LINE.test(line)) continue
    unmarked.push(...names)
  }
  return unmarked
}
const SHEBANG = /^#!lua(?: flags=([\w,-]+))?\n/

/** Scripts as one Redis function library: FUNCTION LOAD takes `text`, FCALL calls `functions`' names. */
export interface ScriptLibrary {
  /** The library's name, which is its content's: instances of two versions each call their own. */
  name: string
  text: string
  /** The function (FCALL) of each script, by script name. */
  functions: Map<string, string>
}

/**
 * Script files as one Redis function library. An EVAL runs the whole script on every call, so it first
 * defines every helper its includes hold again (some forty closures and tables for a hold's scripts): that
 * cost more Redis time than the scripts' own commands, half a pin call measured. In a library the
 * includes run once, at FUNCTION LOAD, and each call runs only its script's own code. One library holds
 * every script, each include once: Lua's collector walks everything a library keeps, on a schedule Redis
 * sets by calls, so a library per script (24 copies of the includes, 0.8 MB) made every call dearer (a
 * trivial FCALL 3.1 µs beside one small library, 6.9 µs beside those 24). The includes still read KEYS
 * and ARGV: they are the library's locals, set from the call's keys and arguments as each call starts
 * (Redis runs one call at a time), with every `-- @per-call` state.
 */
export function scriptsLibrary(scripts: ScriptSource[], luaDir = LUA_DIR): ScriptLibrary {
  const includeLines = scripts.flatMap(({ file, source }) => {
    checkScript(file, source)
    return source.match(INCLUDE) ?? []
  })
  const includes = inlineConstants(withIncludes(includeLines.join('\n'), luaDir), 'includes')
  const unmarked = unmarkedState(includes)
  if (unmarked.length > 0)
    throw new Error(`include-level state without -- @per-call or -- @fixed: ${unmarked.join(', ')}`)
  const resets = [...includes.matchAll(PER_CALL)].map((m) => `${m[1]} = ${m[2] as string}`)
  const functions = scripts.map(({ file, source }) => {
    const script = scriptName(file)
    const flags = SHEBANG.exec(source)?.[1]?.split(',') ?? []
    const body = inlineConstants(source.replace(SHEBANG, '').replace(INCLUDE, ''), file)
    return [
      'redis.register_function{',
      `  function_name = '@LIBRARY@_${script}',`,
      `  flags = { ${flags.map((flag) => `'${flag}'`).join(', ')} },`,
      '  callback = function(callKeys, callArgs)',
      'KEYS, ARGV = callKeys, callArgs',
      ...resets,
      body,
      'end }',
    ].join('\n')
  })
  const code = ['local KEYS, ARGV', includes, ...functions].join('\n')
  const name = `seatlock_${createHash('sha1').update(code).digest('hex').slice(0, 16)}`
  return {
    name,
    text: `#!lua name=${name}\n${code.replaceAll('@LIBRARY@', name)}`,
    functions: new Map(scripts.map(({ file }) => [scriptName(file), `${name}_${scriptName(file)}`])),
  }
}

/** Every script of lua/ in one function library. */
export function loadLibrary(): ScriptLibrary {
  return scriptsLibrary(scriptSources())
}

/** Script files as called (their library, and each one's whole text for EVAL), by script name. */
export function scriptsToCall(scripts: ScriptSource[], luaDir = LUA_DIR): Map<string, ScriptToCall> {
  const library = scriptsLibrary(scripts, luaDir)
  return new Map(
    scripts.map(({ file, source }) => [
      scriptName(file),
      scriptToCall(library, scriptName(file), scriptText(file, source, luaDir)),
    ]),
  )
}

/** One script file as called, in a library of its own (tests). */
export function scriptFile(file: string, source: string, luaDir = LUA_DIR): ScriptToCall {
  return [...scriptsToCall([{ file, source }], luaDir).values()][0] as ScriptToCall
}

const SCRIPTS = scriptsToCall(scriptSources())

/** Gives the client one method per script (`client.createHold(numKeys, ...keysAndArgs)`; see script-call.ts). */
export function defineScripts(client: Redis | Cluster): void {
  const methods = client as unknown as Record<string, (...args: (string | number)[]) => Promise<ScriptReply>>
  for (const [name, script] of SCRIPTS) methods[name] = (...args) => callScript(client, script, args)
}
