import { Cluster, Command } from 'ioredis'
import type { Redis } from 'ioredis'
import type { ScriptLibrary, ScriptReply } from './scripts.js'

/**
 * A script as called: the Redis function (FCALL), the library that defines it (FUNCTION LOAD), and the
 * whole script as one text for EVAL when Redis refuses the load (over maxmemory).
 */
export interface ScriptToCall {
  name: string
  library: string
  lua: string
}

export function scriptToCall(library: ScriptLibrary, lua: string): ScriptToCall {
  return { name: library.name, library: library.text, lua }
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
 * master gets it, since any of them may own the keys of a later call; a master that cannot be reached
 * now is left to its own next "not found" (the load fails only when every master refused it).
 */
function loadLibrary(client: Redis | Cluster, script: ScriptToCall): Promise<void> {
  let ofClient = loading.get(client)
  if (!ofClient) loading.set(client, (ofClient = new Map()))
  const pending = ofClient.get(script.name)
  if (pending) return pending
  const load = (node: Redis | Cluster) => node.call('FUNCTION', ['LOAD', 'REPLACE', script.library])
  const done = (
    client instanceof Cluster
      ? Promise.allSettled(client.nodes('master').map(load)).then((loads) => {
          const refused = loads.filter((load) => load.status === 'rejected')
          if (refused.length === loads.length && refused[0]) throw refused[0].reason
        })
      : load(client).then(() => undefined)
  ).finally(() => ofClient.delete(script.name))
  ofClient.set(script.name, done)
  return done
}

/**
 * Runs a script: FCALL of its function, and when Redis does not have it (the first call on a Redis, or
 * after a restart without persistence, FUNCTION FLUSH, a new cluster node) the library is loaded and the
 * call sent once more. Over maxmemory Redis refuses the load, which needs memory, yet still runs a
 * script flagged allow-oom (a release): that call goes as one EVAL of the whole script, refused or run
 * on the same flags. `args` is numkeys, the keys, then the arguments.
 */
export function callScript(
  client: Redis | Cluster,
  script: ScriptToCall,
  args: (string | number)[],
): Promise<ScriptReply> {
  return send(client, 'fcall', [script.name, ...args]).catch(async (error: unknown) => {
    if (!(error instanceof Error) || !error.message.startsWith('ERR Function not found')) throw error
    try {
      await loadLibrary(client, script)
    } catch (refused) {
      if (refused instanceof Error && refused.message.startsWith('OOM'))
        return send(client, 'eval', [script.lua, ...args])
      throw refused
    }
    return send(client, 'fcall', [script.name, ...args])
  })
}
