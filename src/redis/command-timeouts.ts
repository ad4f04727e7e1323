import type { Command, Redis } from 'ioredis'
import { patientTimeout } from '../lib/patient-timeout.js'

/** The message ioredis's own command timeout uses: storeFailure() answers it as REDIS_UNAVAILABLE. */
export const COMMAND_TIMED_OUT = 'Command timed out'

/** One sending of a command: a command can be sent again (a Cluster redirect, a pipeline's retry). */
interface Sent {
  command: Command
  answered: boolean
}

/** The commands one connection sent in one event-loop turn, timed together. */
interface Turn {
  sent: Sent[]
  /** Not answered yet; at zero the timer is cancelled and the commands let go. */
  pending: number
  cancel: (() => void) | undefined
}

/**
 * Fail-fast command timeouts for one connection, in place of ioredis's `commandTimeout`, which times a
 * command from the moment it is issued and rejects it the moment its timer runs.
 *
 * Both are wrong on a busy event loop. The commands of one turn may leave only when the turn ends (see
 * write-batching.ts), so a command issued early in a two-second turn had used its whole second before
 * Redis saw it. And a timer that comes due during a long turn runs before the next turn reads the socket
 * where the answer may already wait (see lib/patient-timeout.ts).
 *
 * Here a turn's commands are timed together from the end of the turn (when the last are written), by one
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
      for (const { command, answered } of turn.sent) {
        if (!answered) command.reject(new Error(COMMAND_TIMED_OUT))
      }
    })
  }
  // Replaced on this one client only; ioredis sends every command (scripts, pipelines, MULTI) through it.
  redis.sendCommand = (command, stream) => {
    if (current === undefined) {
      current = { sent: [], pending: 0, cancel: undefined }
      setImmediate(startClock)
    }
    const turn = current
    // Marked per sending, not by the command's own `isResolved`: a pipeline retried after a redirect sends
    // commands that were answered once again, with new promises (each sending watches the promise it went with).
    const sent: Sent = { command, answered: false }
    turn.sent.push(sent)
    turn.pending++
    // Answered when the command's promise settles: a reply, an error reply, a closed connection, or (a
    // redirect to follow) the reply of the node it was sent on to. Not by wrapping the command's `resolve`
    // and `reject`: a wrapper stays on the command for good and links it to its turn, and with that link
    // the server's scavenges promoted twice as much (700 KB a scavenge against 370 in the hot-section bench,
    // most of it script calls' arguments, command text and replies) and its CPU a loop was about 3% higher.
    // A promise lets go of its reactions once it settles. Watching it counts as handling a rejection: a
    // command whose caller ignores its promise no longer ends as an unhandled rejection; one awaited still
    // rejects for its caller.
    const answer = (): void => {
      if (sent.answered) return
      sent.answered = true
      if (--turn.pending === 0) {
        turn.cancel?.()
        turn.sent = []
      }
    }
    void command.promise.then(answer, answer)
    // Sent once it is counted: a command refused at once (no connection) is answered in a microtask, before
    // the turn's clock would start.
    return send(command, stream)
  }
}
