import type { Command, Redis } from 'ioredis'
import { patientTimeout } from '../lib/patient-timeout.js'

/** The message ioredis's own command timeout uses: storeFailure() answers it as REDIS_UNAVAILABLE. */
export const COMMAND_TIMED_OUT = 'Command timed out'

/**
 * Fail-fast command timeouts for one connection, in place of ioredis's `commandTimeout`, which times a
 * command from the moment it is issued and rejects it the moment its timer runs.
 *
 * Both are wrong on a busy event loop. The commands of one turn leave together when the turn ends (see
 * write-batching.ts), so a command issued early in a two-second turn had used its whole second before
 * Redis saw it. And a timer that comes due during a long turn runs before the next turn reads the socket
 * where the answer may already wait (see lib/patient-timeout.ts).
 *
 * Here a turn's commands are timed together from the end of the turn (when they are written), by one
 * timer, and the verdict waits until the loop has read its sockets: a command still unanswered then is
 * rejected, as ioredis would. A frozen or unreachable Redis is still refused within about `ms`.
 */
export function timeCommands(redis: Redis, ms: number): void {
  const send = redis.sendCommand.bind(redis)
  let turn: Command[] | undefined
  const startClock = (): void => {
    const commands = turn as Command[]
    turn = undefined
    // Unref'd: an answered command needs no cleanup, and a pending one keeps its socket (and the process).
    patientTimeout(
      ms,
      () => {
        for (const command of commands) {
          if (!command.isResolved) command.reject(new Error(COMMAND_TIMED_OUT))
        }
      },
      { unref: true },
    )
  }
  // Replaced on this one client only; ioredis sends every command (scripts, pipelines, MULTI) through it.
  redis.sendCommand = (command, stream) => {
    const sent = send(command, stream)
    if (!command.isResolved) {
      if (turn === undefined) {
        turn = []
        setImmediate(startClock)
      }
      turn.push(command)
    }
    return sent
  }
}
