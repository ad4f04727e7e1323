import type { HoldStore } from '../redis/hold-store.js'

/**
 * Per event and tick, so one event's backlog cannot starve the others' sweeps: 200 calls of at most 50
 * holds each (RECLAIM_BATCH in lua/includes/basics.lua), up to 10,000 holds an event a tick, each call
 * short enough that other clients are served in between.
 */
const MAX_BATCHES_PER_EVENT = 200

export interface SweepReport {
  reclaimed: number
  /** now - the oldest expiry still waiting in any index after this sweep (0 when none is overdue). */
  lagMs: number
}

/**
 * Drains the expiry index of every event that can have due work (HoldStore.activeEvents: not the events
 * idle for longer than the holds' lifetime): each hold past its expiry is released and reported once. The
 * scripts also reclaim lazily, so correctness never waits for this; it bounds how stale counts get when
 * no traffic arrives.
 */
export async function sweepAll(
  store: HoldStore,
  signal: AbortSignal,
  /** Told each expired tally as soon as a sweep collects it, so a pass cut short loses none. */
  onExpired: (holds: number) => void = () => undefined,
): Promise<SweepReport> {
  let reclaimed = 0
  let lagMs = 0
  for (const eventId of await store.activeEvents()) {
    if (signal.aborted) break
    // A backlog larger than one script's batch is drained in several short calls, not one long one.
    let result
    let batches = 0
    do {
      result = await store.sweep(eventId)
      if (result.expired > 0) onExpired(result.expired)
      reclaimed += result.reclaimed
    } while (result.more && ++batches < MAX_BATCHES_PER_EVENT && !signal.aborted)
    if (result.oldestExpiry !== null && result.oldestExpiry <= result.now) {
      lagMs = Math.max(lagMs, result.now - result.oldestExpiry)
    }
  }
  return { reclaimed, lagMs }
}
