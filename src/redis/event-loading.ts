import type { SectionDefinition } from '../domain/event.js'
import type { SalesWindow } from '../domain/sales-window.js'
import type { RedisClient } from './client.js'
import { recordSales } from './commands/sales-window.js'
import { activateEvent } from './commands/sold-state.js'
import { KEYS_PER_PAGE, soldTo } from './keys.js'
import type { EventKeys } from './keys.js'

/** Meta field naming the eviction in progress (see redis/eviction.ts); a load removes it first. */
export const RETIRING = 'retiring'

/** What the ledger says is sold in one section: its units, and each sold seat with its reservation. */
export interface SoldSection {
  sold: number
  seats: string[]
  owners: string[]
}

/**
 * Writes an event's state from the ledger: sold seat keys and the sales window first (pipelined pages;
 * a window an admin recorded meanwhile is newer and stays), then counts and ready=1 in one script
 * (lua/activateEvent-2.lua). Called only while the event is not ready, so every
 * hold script answers "not ready" until the last step; activation refuses to overwrite a state a
 * concurrent loader made live first. `resident`: the index of resident events and when the retention
 * job may remove this one (ms), or null to keep it.
 */
export async function loadEvent(
  redis: RedisClient,
  k: EventKeys,
  sections: readonly SectionDefinition[],
  sold: ReadonlyMap<string, SoldSection>,
  sales: SalesWindow,
  resident: { index: string; eventId: string; evictAt: number | null },
): Promise<void> {
  // An eviction that lost its lock (a stalled evictor) must not delete what this load writes.
  await redis.hdel(k.meta, RETIRING)
  for (const section of sections) {
    const seats = sold.get(section.id)?.seats ?? []
    const owners = sold.get(section.id)?.owners ?? []
    for (let i = 0; i < seats.length; i += KEYS_PER_PAGE) {
      const pipeline = redis.pipeline()
      for (let j = i; j < Math.min(i + KEYS_PER_PAGE, seats.length); j++)
        pipeline.set(k.seat(section.id, seats[j] as string), soldTo(owners[j] ?? ''))
      const results = await pipeline.exec()
      const failed = results?.find(([error]) => error)?.[0]
      if (failed) throw failed
    }
  }
  await recordSales(redis, k, { sales, replace: false })
  await activateEvent(redis, k, { sections, sold: (section) => sold.get(section)?.sold ?? 0 })
  if (resident.evictAt !== null) await redis.zadd(resident.index, 'GT', resident.evictAt, resident.eventId)
}
