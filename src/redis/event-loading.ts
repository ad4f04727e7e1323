import type { LoadedSection } from '../domain/loaded-event.js'
import type { SectionSeating } from '../domain/seating.js'
import type { SalesWindow } from '../domain/sales-window.js'
import type { SeatBlock } from '../domain/seat-block.js'
import type { RedisClient } from './client.js'
import { recordSales } from './commands/sales-window.js'
import { activateEvent, indexRows } from './commands/sold-state.js'
import { blockedBy, KEYS_PER_PAGE, soldTo } from './keys.js'
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
  takenSeats: readonly string[],
): Promise<void> {
  const [bits, info, index] = k.seating(section)
  const last = seating.rows.at(-1)
  const bytes = Buffer.alloc(last ? (last.at + Math.ceil(last.seats.length / 8) * 8) / 8 : 0)
  for (const seat of takenSeats) {
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

/** Sets keys to values in pipelined pages (one round trip a page). */
async function setAll(redis: RedisClient, entries: readonly [string, string][]): Promise<void> {
  for (let i = 0; i < entries.length; i += KEYS_PER_PAGE) {
    const pipeline = redis.pipeline()
    for (const [key, value] of entries.slice(i, i + KEYS_PER_PAGE)) pipeline.set(key, value)
    const results = await pipeline.exec()
    const failed = results?.find(([error]) => error)?.[0]
    if (failed) throw failed
  }
}

/**
 * The blocked seat keys of the blocks that hold seats (read from the ledger after the sales): a seat the
 * ledger has sold stays sold (a block never takes a sold seat; only an allocation released in Redis just
 * before its ledger record can meet a later sale, and that one no longer holds seats). Returns the keys
 * and the blocked seats per section.
 */
function blockedSeats(
  k: EventKeys,
  blocks: readonly SeatBlock[],
  sold: ReadonlyMap<string, SoldSection>,
): { entries: [string, string][]; perSection: Map<string, number>; seatsOf: Map<string, string[]> } {
  const soldSets = new Map<string, Set<string>>()
  const soldIn = (section: string) => {
    let set = soldSets.get(section)
    if (!set) soldSets.set(section, (set = new Set(sold.get(section)?.seats ?? [])))
    return set
  }
  const entries: [string, string][] = []
  const perSection = new Map<string, number>()
  const seatsOf = new Map<string, string[]>()
  for (const block of blocks)
    for (const { section, seat } of block.seats) {
      if (soldIn(section).has(seat)) continue
      entries.push([k.seat(section, seat), blockedBy(block.id)])
      perSection.set(section, (perSection.get(section) ?? 0) + 1)
      const list = seatsOf.get(section)
      if (list) list.push(seat)
      else seatsOf.set(section, [seat])
    }
  return { entries, perSection, seatsOf }
}

/**
 * Writes an event's state from the ledger: sold seat keys, blocked seat keys and the release index of
 * allocations, and the sales window first (pipelined pages;
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
  /** The blocks that hold seats now (see holdsSeats in domain/seat-block.ts), read after `sold`. */
  blocks: readonly SeatBlock[] = [],
): Promise<void> {
  // An eviction that lost its lock (a stalled evictor) must not delete what this load writes.
  await redis.hdel(k.meta, RETIRING)
  for (const section of sections) {
    const seats = sold.get(section.id)?.seats ?? []
    const owners = sold.get(section.id)?.owners ?? []
    await setAll(
      redis,
      seats.map((seat, j): [string, string] => [k.seat(section.id, seat), soldTo(owners[j] ?? '')]),
    )
  }
  const blocked = blockedSeats(k, blocks, sold)
  await setAll(redis, blocked.entries)
  const releases = blocks.flatMap((b) => (b.releaseAt === null ? [] : [Date.parse(b.releaseAt), b.id]))
  const index = redis.pipeline().del(k.releases)
  if (releases.length > 0) index.zadd(k.releases, ...releases)
  const indexed = await index.exec()
  const failed = indexed?.find(([error]) => error)?.[0]
  if (failed) throw failed
  // Best available: a sold or blocked seat is taken in the occupancy bitmap.
  for (const section of sections)
    if (section.seating) {
      const taken = [...(sold.get(section.id)?.seats ?? []), ...(blocked.seatsOf.get(section.id) ?? [])]
      await loadSeating(redis, k, section.id, section.seating, taken)
    }
  await recordSales(redis, k, { sales, replace: false })
  await activateEvent(redis, k, {
    sections,
    sold: (section) => sold.get(section)?.sold ?? 0,
    blocked: (section) => blocked.perSection.get(section) ?? 0,
  })
  if (resident.evictAt !== null) await redis.zadd(resident.index, 'GT', resident.evictAt, resident.eventId)
}
