import { setTimeout as sleep } from 'node:timers/promises'

export interface EventuallyOptions {
  /** How long the condition has to come true (default 5 s). */
  deadlineMs?: number
  /** Pause between two probes (default 20 ms). */
  intervalMs?: number
}

/** What `eventually` hands back: the probe's answer once it counts as done. */
export type Reached<T> = Exclude<T, undefined | null | false>

/**
 * The one way tests wait: polls `probe` until it answers something other than undefined, null or false, and
 * returns that answer. Throws, naming `what`, if the deadline passes first; a probe that throws stops the wait
 * with its error. Tests wait for a condition with a deadline, never for a fixed time.
 */
export async function eventually<T>(
  what: string,
  probe: () => T | Promise<T>,
  { deadlineMs = 5000, intervalMs = 20 }: EventuallyOptions = {},
): Promise<Reached<T>> {
  const deadline = Date.now() + deadlineMs
  for (;;) {
    // The last probe runs after the deadline: a condition that came true while we slept still counts.
    const past = Date.now() > deadline
    const value = await probe()
    if (value !== undefined && value !== null && value !== false) return value as Reached<T>
    if (past) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`)
    await sleep(intervalMs)
  }
}
