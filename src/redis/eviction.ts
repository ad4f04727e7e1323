import { randomUUID } from 'node:crypto'
import { Cluster } from 'ioredis'
import type { Redis } from 'ioredis'
import type { EventDefinition } from '../domain/event.js'
import type { RedisClient } from './client.js'
import { dropEventKeys, retireEvent } from './commands/retention.js'
import { EventKeys, residentIndexKey } from './keys.js'

/** Keys deleted per script call: each call stays well under a millisecond whatever the event's size. */
export const DROP_PAGE = 500
const SCAN_COUNT = 1000

export type EvictionOutcome =
  /** Every key of the event is gone; the next request rebuilds it from the ledger. */
  | 'evicted'
  /** Something lives in it (a hold, a pin, a change stream): try again later. */
  | 'busy'
  /** A rebuild took the event over midway (the evictor had stalled past its lock): nothing more deleted. */
  | 'lost'

/**
 * Removes an event's Redis state once the event is over. Redis only caches the ledger's truth plus the
 * holds, so a state without holds can go and be rebuilt on the next request that needs it (EventService
 * .ensureLoaded: sold seats from the ledger stay sold). The caller holds the event's load lock, so no
 * rebuild runs meanwhile; the eviction token fences one that would anyway (see lua/retireEvent-4.lua).
 */
export class EventEviction {
  private readonly resident: string

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {
    this.resident = residentIndexKey(prefix)
  }

  /** Events whose retention has passed, oldest first, at most `limit`. */
  async due(now: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.resident, '-inf', now, 'LIMIT', 0, limit)
  }

  /** Looks at the event again at `until` (it was busy). */
  async postpone(eventId: string, until: number): Promise<void> {
    await this.redis.zadd(this.resident, 'XX', until, eventId)
  }

  /**
   * Deletes every key of the event in pages: the state is retired first (no hold can be taken), then the
   * seat keys computed from the definition, the event-wide keys, whatever a SCAN of the event's hash tag
   * still finds (hold tombstones, idempotency records, timers) and last the meta hash.
   */
  async evict(
    eventId: string,
    definition: EventDefinition | null,
    signal?: AbortSignal,
  ): Promise<EvictionOutcome> {
    const token = await this.retire(eventId)
    if (token === null) return 'busy'
    return this.drop(eventId, definition, token, signal)
  }

  /**
   * Step 1 of an eviction: takes the state out of service (every hold script answers "not ready" from
   * here on) and returns the eviction's token, or null while a hold, a pin or a change stream lives in it.
   * `force` retires it whatever lives in it (the event was deleted from the ledger).
   */
  async retire(eventId: string, force = false): Promise<string | null> {
    const token = randomUUID()
    const k = new EventKeys(this.prefix, eventId)
    return (await retireEvent(this.redis, k, { token, force })) === 'busy' ? null : token
  }

  /** Step 2 of an eviction retired under `token`: every key deleted, in pages (see evict). */
  async drop(
    eventId: string,
    definition: EventDefinition | null,
    token: string,
    signal?: AbortSignal,
  ): Promise<EvictionOutcome> {
    const k = new EventKeys(this.prefix, eventId)
    const drop = async (keys: string[], last = false): Promise<boolean> =>
      (await dropEventKeys(this.redis, k, { token, keys, last })).owned
    const pages = async function* (): AsyncGenerator<string[]> {
      for (const section of definition?.sections ?? []) {
        const seats = section.seats ?? []
        for (let i = 0; i < seats.length; i += DROP_PAGE)
          yield seats.slice(i, i + DROP_PAGE).map((seat) => k.seat(section.id, seat))
      }
      yield [k.counts, k.expiry, k.confirming, k.cancelling, k.holderUnits, k.watched, k.releases]
    }
    for await (const page of pages()) {
      if (signal?.aborted) throw new Error('eviction aborted')
      if (!(await drop(page))) return 'lost'
    }
    for await (const page of this.scan(k)) {
      if (signal?.aborted) throw new Error('eviction aborted')
      if (!(await drop(page))) return 'lost'
    }
    if (!(await drop([], true))) return 'lost'
    await this.redis.zrem(this.resident, eventId)
    return 'evicted'
  }

  /**
   * Whether the event's state may still have keys: its meta hash exists (an eviction deletes it last, so
   * one cut short leaves it).
   */
  async present(eventId: string): Promise<boolean> {
    return (await this.redis.exists(new EventKeys(this.prefix, eventId).meta)) === 1
  }

  /** The event's keys still present besides meta, in pages (every master on a Cluster: one holds the slot). */
  private async *scan(k: EventKeys): AsyncGenerator<string[]> {
    const nodes: Redis[] = this.redis instanceof Cluster ? this.redis.nodes('master') : [this.redis]
    const pattern = `${k.base}:*`
    for (const node of nodes) {
      let cursor = '0'
      let page: string[] = []
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT)
        cursor = next
        for (const key of keys) {
          if (key === k.meta) continue
          page.push(key)
          if (page.length >= DROP_PAGE) {
            yield page
            page = []
          }
        }
      } while (cursor !== '0')
      if (page.length > 0) yield page
    }
  }
}
