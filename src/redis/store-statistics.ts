import { Cluster } from 'ioredis'
import type { RedisClient } from './client.js'
import { isBlockedValue, isSoldValue, KEYS_PER_PAGE } from './keys.js'
import type { EventKeys } from './keys.js'

/** Reads of an event's counts and seats, and totals over events, for views, the reconciler and metrics. */

export interface SectionCounts {
  held: number
  sold: number
  /** Seats held back by an admin's blocks (seated sections only). */
  blocked: number
}

/** Held, sold and blocked units per section, or null when the event's state is not loaded in Redis. */
export async function sectionCounts(
  redis: RedisClient,
  k: EventKeys,
): Promise<Map<string, SectionCounts> | null> {
  const [ready, raw] = await Promise.all([redis.hget(k.meta, 'ready'), redis.hgetall(k.counts)])
  if (ready !== '1') return null
  const counts = new Map<string, SectionCounts>()
  for (const [field, value] of Object.entries(raw)) {
    const kind = field.slice(0, 2)
    if (kind !== 'h:' && kind !== 's:' && kind !== 'b:') continue // xp: the expiry tally for metrics
    const section = field.slice(2)
    const entry = counts.get(section) ?? { held: 0, sold: 0, blocked: 0 }
    if (kind === 'h:') entry.held = Number(value)
    else if (kind === 's:') entry.sold = Number(value)
    else entry.blocked = Number(value)
    counts.set(section, entry)
  }
  return counts
}

/** What the drift reconciler reads first: the sale version and the sold count of each section. */
export interface SaleSnapshot {
  /** The counts hash's sale version ("" when no script changed sold state since the event was loaded). */
  version: string
  sold: Map<string, number>
  /** Holds of the event pinned for a confirm right now (their sales may be in the ledger, not yet here). */
  confirming: number
}

/** The sale version and sold counts, or null when the event's state is not loaded. One round trip. */
export async function saleSnapshot(redis: RedisClient, k: EventKeys): Promise<SaleSnapshot | null> {
  const results = await redis.pipeline().hget(k.meta, 'ready').hgetall(k.counts).zcard(k.confirming).exec()
  const [readyError, ready] = results?.[0] ?? [null, null]
  const [countsError, raw] = results?.[1] ?? [null, {}]
  const [confirmingError, confirming] = results?.[2] ?? [null, 0]
  if (readyError) throw readyError
  if (countsError) throw countsError
  if (confirmingError) throw confirmingError
  if (ready !== '1') return null
  const sold = new Map<string, number>()
  let version = ''
  for (const [field, value] of Object.entries(raw as Record<string, string>)) {
    if (field === 'sv') version = value
    else if (field.startsWith('s:')) sold.set(field.slice(2), Number(value))
  }
  return { version, sold, confirming: Number(confirming) }
}

/** The raw values of a section's seat keys (null free, a hold id, "$<reservationId>", "!<blockId>"), in label order. */
export async function seatValues(
  redis: RedisClient,
  k: EventKeys,
  section: string,
  labels: readonly string[],
): Promise<(string | null)[]> {
  const values: (string | null)[] = []
  for (let i = 0; i < labels.length; i += KEYS_PER_PAGE)
    values.push(
      ...(await redis.mget(labels.slice(i, i + KEYS_PER_PAGE).map((seat) => k.seat(section, seat)))),
    )
  return values
}

export type SeatStatus = 'available' | 'held' | 'sold' | 'blocked'

function statusOf(value: string | null): SeatStatus {
  if (value === null) return 'available'
  if (isSoldValue(value)) return 'sold'
  return isBlockedValue(value) ? 'blocked' : 'held'
}

/** Status of each seat of a seated section, in label order. */
export async function seatStatuses(
  redis: RedisClient,
  k: EventKeys,
  section: string,
  labels: readonly string[],
): Promise<SeatStatus[]> {
  return (await seatValues(redis, k, section, labels)).map(statusOf)
}

/** Redis server time in ms: every instance agrees on it. */
export async function redisTime(redis: RedisClient): Promise<number> {
  const [seconds, micros] = await redis.time()
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)
}

/** See storeActivity(). */
export interface StoreActivity {
  events: number
  /** Holds in status "held" (including any past expiry that no script or sweep has reclaimed yet). */
  held: number
  /** Holds pinned while their confirm's ledger transaction runs. */
  confirming: number
  /** Seats and general-admission units in active holds. */
  units: number
  /** The smallest expiry (ms) in any event's expiry index, or null when there is no held hold. */
  oldestExpiry: number | null
  /** Redis server time (ms) when the totals were read. */
  now: number
}

/**
 * Totals over these events, for metrics: active holds (held / confirming), units they hold, and the
 * oldest expiry still in any index (with Redis server time, so `now - oldestExpiry` is how overdue the
 * sweeper is). One pipeline per batch of events (per event on a Cluster: one slot each).
 */
export async function storeActivity(
  redis: RedisClient,
  events: readonly EventKeys[],
): Promise<StoreActivity> {
  const total: StoreActivity = {
    events: events.length,
    held: 0,
    confirming: 0,
    units: 0,
    oldestExpiry: null,
    now: await redisTime(redis),
  }
  const add = (results: [Error | null, unknown][] | null) => {
    const values = (results ?? []).map(([error, value]) => {
      if (error) throw error
      return value
    })
    for (let i = 0; i < values.length; i += 4) {
      total.held += Number(values[i])
      total.confirming += Number(values[i + 1])
      for (const [field, value] of Object.entries((values[i + 2] ?? {}) as Record<string, string>))
        if (field.startsWith('h:')) total.units += Number(value)
      const score = (values[i + 3] as string[] | undefined)?.[1]
      if (score !== undefined)
        total.oldestExpiry = Math.min(total.oldestExpiry ?? Number.POSITIVE_INFINITY, Number(score))
    }
  }
  const batches: (readonly EventKeys[])[] = []
  const size = redis instanceof Cluster ? 1 : KEYS_PER_PAGE
  for (let i = 0; i < events.length; i += size) batches.push(events.slice(i, i + size))
  const results = await Promise.all(
    batches.map((batch) => {
      const pipeline = redis.pipeline()
      for (const k of batch)
        pipeline.zcard(k.expiry).zcard(k.confirming).hgetall(k.counts).zrange(k.expiry, 0, 0, 'WITHSCORES')
      return pipeline.exec()
    }),
  )
  results.forEach(add)
  return total
}
