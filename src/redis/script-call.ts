import { Cluster, Command } from 'ioredis'
import type { Redis } from 'ioredis'
import type { ScriptLibrary, ScriptReply } from './scripts.js'

/**
 * A script as called: its Redis function (FCALL), the library that defines it (FUNCTION LOAD), and the
 * whole script as one text for EVAL where the library cannot be had.
 */
export interface ScriptToCall {
  name: string
  libraryName: string
  library: string
  lua: string
}

export function scriptToCall(library: ScriptLibrary, script: string, lua: string): ScriptToCall {
  const name = library.functions.get(script)
  if (!name) throw new Error(`${script}: not in library ${library.name}`)
  return { name, libraryName: library.name, library: library.text, lua }
}

const NO_ARGS: string[] = []
const STRING_REPLIES = { replyEncoding: 'utf8' as const }

/**
 * An FCALL (or EVAL) whose arguments are given flat. ioredis's Command copies its arguments through
 * `Array.prototype.flat`, which is generic and slow for a long list (about 7 µs for the 31 arguments of a
 * hold's script, measured on the hot path). Script calls are the hot path's every Redis round trip.
 */
class ScriptCommand extends Command {
  /** `args`: the function's name (the script's text for EVAL), numkeys, the keys and the arguments. */
  constructor(name: 'fcall' | 'eval', args: (string | number)[]) {
    super(name, NO_ARGS, STRING_REPLIES)
    this.args = args
    // What the constructor did for the empty list: numbers (and anything else) to strings.
    this.stringifyArguments()
  }
}

function send(
  client: Redis | Cluster,
  name: 'fcall' | 'eval',
  args: (string | number)[],
): Promise<ScriptReply> {
  const command = new ScriptCommand(name, args)
  void client.sendCommand(command)
  return command.promise as Promise<ScriptReply>
}

/** Libraries being loaded, per client: the calls that all met "not found" together share one load. */
const loading = new WeakMap<Redis | Cluster, Map<string, Promise<void>>>()

/**
 * Loads a library (again: FUNCTION LOAD REPLACE of the same text changes nothing). On a Cluster every
 * master gets it, since any of them may own the keys of a later call, and the load never fails: the
 * call learns from the master of its own keys whether that one has the function now.
 */
function ensureLibrary(client: Redis | Cluster, script: ScriptToCall): Promise<void> {
  let ofClient = loading.get(client)
  if (!ofClient) loading.set(client, (ofClient = new Map()))
  const pending = ofClient.get(script.libraryName)
  if (pending) return pending
  const load = (node: Redis | Cluster) => node.call('FUNCTION', ['LOAD', 'REPLACE', script.library])
  const done = (
    client instanceof Cluster
      ? Promise.allSettled(client.nodes('master').map(load)).then(() => undefined)
      : load(client).then(() => undefined)
  ).finally(() => ofClient.delete(script.libraryName))
  ofClient.set(script.libraryName, done)
  return done
}

const isMissing = (error: unknown): boolean =>
  error instanceof Error && error.message.startsWith('ERR Function not found')

/**
 * Runs a script: FCALL of its function, and when Redis does not have it (the first call on a Redis, or
 * after a restart without persistence, FUNCTION FLUSH, a new cluster node) the library is loaded and the
 * call sent once more. When the library cannot be had where the call's keys live, the call goes as one
 * EVAL of the whole script, refused or run on the same flags: Redis refused the load (over maxmemory a
 * load needs memory, yet a script flagged allow-oom such as a release must still run; an ACL user without
 * FUNCTION LOAD), or on a Cluster the master of the call's keys still lacks it after the others took it.
 * A connection failure during the load is the call's failure. `args` is numkeys, the keys, the arguments.
 */
export function callScript(
  client: Redis | Cluster,
  script: ScriptToCall,
  args: (string | number)[],
): Promise<ScriptReply> {
  return send(client, 'fcall', [script.name, ...args]).catch(async (error: unknown) => {
    if (!isMissing(error)) throw error
    const asEval = () => send(client, 'eval', [script.lua, ...args])
    try {
      await ensureLibrary(client, script)
    } catch (refused) {
      if (refused instanceof Error && refused.name === 'ReplyError') return asEval()
      throw refused
    }
    return send(client, 'fcall', [script.name, ...args]).catch((again: unknown) => {
      if (!isMissing(again)) throw again
      return asEval()
    })
  })
}
