import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Cluster, Redis, Result } from 'ioredis'
import { LUA_DIR } from '../paths.js'
import { inlineConstants } from './lua-constants.js'
import { callScript, scriptToCall } from './script-call.js'

/** Raw script replies: arrays of integers and strings, as documented in each script's header. */
export type ScriptReply = (string | number)[]

/**
 * Every script in lua/ is a method of the client (defineScripts): EVAL the first time on a connection,
 * EVALSHA after, EVAL again on NOSCRIPT (a restarted Redis needs nothing from us; see script-call.ts). Key
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

function withIncludes(source: string, seen = new Set<string>()): string {
  return source.replace(INCLUDE, (_line, name: string) => {
    if (seen.has(name)) return ''
    seen.add(name)
    return withIncludes(readFileSync(join(LUA_DIR, `${name}.lua`), 'utf8'), seen)
  })
}

/**
 * Checks one script file before it is registered, so drift fails the process at start (and the test
 * that loads every script): the first line is a `#!lua` shebang (Redis then refuses a writing script
 * before it runs when over maxmemory, and enforces the flags), and the key count in the file name is the
 * highest fixed `KEYS[n]` its header declares (variable lists are written `KEYS[n..]`).
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
}

/**
 * What Redis runs for a script file: its `--- @include` lines replaced by the included files (each at
 * most once) and the shared constants by their values (lua-constants.ts).
 */
export function scriptText(file: string, source: string): string {
  return inlineConstants(withIncludes(source), file)
}

/** Script sources by command name, includes and constants inlined. Read once per process. */
export function loadScripts(): Map<string, string> {
  const scripts = new Map<string, string>()
  for (const file of readdirSync(LUA_DIR)) {
    const match = /^(\w+)-\d+\.lua$/.exec(file)
    if (!match) continue
    const source = readFileSync(join(LUA_DIR, file), 'utf8')
    checkScript(file, source)
    scripts.set(match[1] as string, scriptText(file, source))
  }
  return scripts
}

const SCRIPTS = new Map([...loadScripts()].map(([name, lua]) => [name, scriptToCall(lua)]))

/** Gives the client one method per script (`client.createHold(numKeys, ...keysAndArgs)`; see script-call.ts). */
export function defineScripts(client: Redis | Cluster): void {
  const methods = client as unknown as Record<string, (...args: (string | number)[]) => Promise<ScriptReply>>
  for (const [name, script] of SCRIPTS) methods[name] = (...args) => callScript(client, script, args)
}
