import type { LoadedSection } from '../domain/loaded-event.js'
import type { SectionSeating } from '../domain/seating.js'
import type { SalesWindow } from '../domain/sales-window.js'
import type { RedisClient } from './client.js'
import { recordSales } from './commands/sales-window.js'
import { activateEvent, indexRows } from './commands/sold-state.js'
import { KEYS_PER_PAGE, soldTo } from './keys.js'
import type { EventKeys } from './keys.js'

/** Meta field naming the eviction in progress (see redis/eviction.ts); a load removes it first. */
export const RETIRING = 'retiring'

/** Rows per page of row facts written and indexed (one pipeline, one indexRows call each). */
const ROWS_PER_PAGE = 200

/**
 * The best-available structure of a section given as rows, from the ledger's sold seats: the occupancy
 * bitmap, each row's facts and seat names, then the run index built by lua/indexRows-3.lua page by page
 * (the classes are computed in Lua only, where every later change recomputes them). Seats held in a
 * Redis that kept its holds through a lost meta read as free here; a pick checks every seat key of the
 * block it chooses and corrects such bits as it meets them.
 */
async function loadSeating(
  redis: RedisClient,
  k: EventKeys,
  section: string,
  seating: SectionSeating,
  soldSeats: readonly string[],
): Promise<void> {
  const [bits, info, index] = k.seating(section)
  const last = seating.rows.at(-1)
  const bytes = Buffer.alloc(last ? (last.at + Math.ceil(last.seats.length / 8) * 8) / 8 : 0)
  for (const seat of soldSeats) {
    const place = seating.places.get(seat)
    const row = place && seating.rows[place[0]]
    if (!place || !row) continue
    const at = row.at + place[1]
    bytes[at >> 3] = (bytes[at >> 3] as number) | (0x80 >> (at & 7))
  }
  await redis.del(bits, info, index)
  await redis.set(bits, bytes)
  for (let first = 0; first < seating.rows.length; first += ROWS_PER_PAGE) {
    const page = seating.rows.slice(first, first + ROWS_PER_PAGE)
    const fields = page.flatMap((row, i) => [
      String(first + i),
      `${row.at} ${row.seats.length} ${row.rank} 0`,
      `n${first + i}`,
      [row.name, ...row.seats].join(' '),
    ])
    // Rows with wheelchair spaces or companions: what each seat is (accessible picks read it).
    for (const [i, row] of page.entries()) if (row.kinds) fields.push(`k${first + i}`, row.kinds)
    await redis.hset(info, ...fields)
    await indexRows(redis, k, section, first, first + page.length - 1)
  }
  // The rows with wheelchair spaces, in rank order: where an accessible pick looks.
  const accessible = seating.rows.flatMap((row, i) => (row.kinds?.includes('w') ? [i] : []))
  if (accessible.length > 0) await redis.hset(info, 'acc', accessible.join(' '))
}

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
  sections: readonly LoadedSection[],
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
  for (const section of sections)
    if (section.seating)
      await loadSeating(redis, k, section.id, section.seating, sold.get(section.id)?.seats ?? [])
  await recordSales(redis, k, { sales, replace: false })
  await activateEvent(redis, k, { sections, sold: (section) => sold.get(section)?.sold ?? 0 })
  if (resident.evictAt !== null) await redis.zadd(resident.index, 'GT', resident.evictAt, resident.eventId)
}
