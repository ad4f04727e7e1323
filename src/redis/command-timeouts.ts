import type { Command, Redis } from 'ioredis'
import { patientTimeout } from '../lib/patient-timeout.js'

/** The message ioredis's own command timeout uses: storeFailure() answers it as REDIS_UNAVAILABLE. */
export const COMMAND_TIMED_OUT = 'Command timed out'

/** The commands one connection sent in one event-loop turn, timed together. */
interface Turn {
  commands: Command[]
  /** Not answered yet; at zero the timer is cancelled and the commands let go. */
  pending: number
  cancel: (() => void) | undefined
}

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
 * timer, cancelled once they are all answered; when it runs out, the verdict waits until the loop has
 * read its sockets, and a command still unanswered then is rejected, as ioredis would. A frozen or
 * unreachable Redis is still refused within about `ms`.
 */
export function timeCommands(redis: Redis, ms: number): void {
  const send = redis.sendCommand.bind(redis)
  let current: Turn | undefined
  const startClock = (): void => {
    const turn = current as Turn
    current = undefined
    if (turn.pending === 0) return
    turn.cancel = patientTimeout(ms, () => {
      for (const command of turn.commands) {
        if (!command.isResolved) command.reject(new Error(COMMAND_TIMED_OUT))
      }
    })
  }
  // Replaced on this one client only; ioredis sends every command (scripts, pipelines, MULTI) through it.
  redis.sendCommand = (command, stream) => {
    const sent = send(command, stream)
    if (command.isResolved) return sent
    if (current === undefined) {
      current = { commands: [], pending: 0, cancel: undefined }
      setImmediate(startClock)
    }
    const turn = current
    turn.commands.push(command)
    turn.pending++
    // ioredis answers a command through its `resolve` (a reply) or `reject` (an error reply, a closed
    // connection); counting the replies is enough to stop the clock of a turn answered in full.
    const resolve = command.resolve
    command.resolve = (result) => {
      if (--turn.pending === 0) {
        turn.cancel?.()
        turn.commands = []
      }
      resolve(result)
    }
    return sent
  }
}
