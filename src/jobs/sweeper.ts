import type { HoldStore } from '../redis/hold-store.js'

export interface SweepReport {
  reclaimed: number
  /** now - the oldest expiry still waiting in any index after this sweep (0 when none is overdue). */
  lagMs: number
}

/**
 * Drains every event's expiry index: each hold past its expiry is released and reported once. The
 * scripts also reclaim lazily, so correctness never waits for this; it bounds how stale counts get when
 * no traffic arrives.
 */
export async function sweepAll(store: HoldStore, signal: AbortSignal): Promise<SweepReport> {
  let reclaimed = 0
  let lagMs = 0
  for (const eventId of await store.eventIds()) {
    if (signal.aborted) break
    const result = await store.sweep(eventId)
    reclaimed += result.reclaimed
    if (result.oldestExpiry !== null && result.oldestExpiry <= result.now) {
      lagMs = Math.max(lagMs, result.now - result.oldestExpiry)
    }
  }
  return { reclaimed, lagMs }
}
