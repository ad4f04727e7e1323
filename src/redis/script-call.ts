import { createHash } from 'node:crypto'
import { Command } from 'ioredis'
import type { Cluster, Redis } from 'ioredis'
import type { ScriptReply } from './scripts.js'

/** A script as sent: its text (for EVAL) and the SHA-1 Redis caches it under (for EVALSHA). */
export interface ScriptToCall {
  lua: string
  sha: string
  /** Connections (sockets) it was sent on: the first call on each is an EVAL, so Redis surely has it. */
  sentOn: WeakSet<object>
}

export function scriptToCall(lua: string): ScriptToCall {
  return { lua, sha: createHash('sha1').update(lua).digest('hex'), sentOn: new WeakSet() }
}

const NO_ARGS: string[] = []
const STRING_REPLIES = { replyEncoding: 'utf8' as const }

/**
 * An EVALSHA or EVAL whose arguments are given flat. ioredis's Command copies its arguments through
 * `Array.prototype.flat`, which is generic and slow for a long list (about 7 µs for the 31 arguments of a
 * hold's script, measured on the hot path), and its defineCommand path copies them twice more and wraps
 * each call in a per-call class and closures. Script calls are the hot path's every Redis round trip.
 */
class ScriptCommand extends Command {
  constructor(
    private readonly script: ScriptToCall,
    /** numkeys, keys and arguments, after a first element that is the script's SHA-1 or text. */
    args: (string | number)[],
    evalAlways = false,
  ) {
    super(evalAlways ? 'eval' : 'evalsha', NO_ARGS, STRING_REPLIES)
    this.args = args
    if (evalAlways) args[0] = script.lua
    // What the constructor did for the empty list: numbers (and anything else) to strings.
    this.stringifyArguments()
  }

  /** Called as the command is written to a connection: the first call of a script on it sends the text. */
  override toWritable(socket: object): string | Buffer {
    if (!this.script.sentOn.has(socket)) {
      this.script.sentOn.add(socket)
      this.name = 'eval'
      this.args[0] = this.script.lua
    }
    return super.toWritable(socket)
  }
}

/**
 * Runs a script: EVAL the first time on a connection, EVALSHA after, and EVAL again on NOSCRIPT (Redis
 * lost its scripts on the same connection: SCRIPT FLUSH, a failover behind a proxy), as ioredis's
 * defineCommand does. `args` is numkeys, the keys, then the arguments.
 */
export function callScript(
  client: Redis | Cluster,
  script: ScriptToCall,
  args: (string | number)[],
): Promise<ScriptReply> {
  const command = new ScriptCommand(script, [script.sha, ...args])
  void client.sendCommand(command)
  return (command.promise as Promise<ScriptReply>).catch((error: unknown) => {
    if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error
    const again = new ScriptCommand(script, [script.sha, ...args], true)
    void client.sendCommand(again)
    return again.promise as Promise<ScriptReply>
  })
}
