import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Polls `probe` every 25 ms until it is true or `deadlineMs` has passed; resolves with the last answer.
 * Tests wait for a condition with a deadline, never for a fixed time.
 */
export async function eventually(
  probe: () => Promise<boolean> | boolean,
  deadlineMs: number,
): Promise<boolean> {
  const end = Date.now() + deadlineMs
  while (Date.now() < end) {
    if (await probe()) return true
    await sleep(25)
  }
  return probe()
}
