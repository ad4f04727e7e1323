import type { Ledger } from '../ledger/port.js'
import type { Locks } from '../lib/locks.js'
import type { EventEviction, EvictionOutcome } from '../redis/eviction.js'

/** How often the retention job looks for events past their retention. */
export const RETENTION_INTERVAL_MS = 60_000
/** Events evicted per tick at most: the job's work per tick stays bounded whatever piled up. */
const EVENTS_PER_TICK = 50
/** A busy event (a hold, a pin, a stream) is looked at again this much later. */
const BUSY_RETRY_MS = 5 * 60_000

export interface RetentionDeps {
  eviction: EventEviction
  ledger: Pick<Ledger, 'getEvent'>
  locks: Pick<Locks, 'tryRun'>
}

/**
 * One tick of the retention job: removes the Redis state of events whose retention (EVENT_RETENTION_S
 * after their start) has passed and in which nothing lives. Each eviction holds the event's load lock, the
 * one a rebuild from the ledger takes, so the two never interleave; an event whose lock is taken (being
 * rebuilt) waits for the next tick.
 */
export async function retireDueEvents(
  deps: RetentionDeps,
  signal: AbortSignal,
  now = Date.now(),
): Promise<Record<EvictionOutcome, number>> {
  const tally: Record<EvictionOutcome, number> = { evicted: 0, busy: 0, lost: 0 }
  for (const eventId of await deps.eviction.due(now, EVENTS_PER_TICK)) {
    if (signal.aborted) break
    const outcome = await deps.locks.tryRun(`load:${eventId}`, async (lockSignal) => {
      const definition = await deps.ledger.getEvent(eventId)
      return deps.eviction.evict(eventId, definition, AbortSignal.any([signal, lockSignal]))
    })
    if (outcome === undefined) continue
    tally[outcome]++
    if (outcome === 'busy') await deps.eviction.postpone(eventId, now + BUSY_RETRY_MS)
  }
  return tally
}
