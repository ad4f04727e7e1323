import type { SalesWindow } from '../domain/sales-window.js'
import type { BlockedSeat, SeatBlock } from '../domain/seat-block.js'
import type { HoldAuth } from '../domain/hold.js'
import type { Item, RequestItem } from '../domain/items.js'
import type { LoadedSection, SeatingOf } from '../domain/loaded-event.js'
import type { RedisClient } from './client.js'
import { ActiveEvents } from './active-events.js'
import type { ActiveEventsOptions } from './active-events.js'
import { blockSeats, freeBlock } from './commands/blocks.js'
import type { BlockReply, FreeBlockReply } from './commands/blocks.js'
import { createHold } from './commands/create-hold.js'
import { recordSales } from './commands/sales-window.js'
import type { CreateHoldArgs, CreateRefusal, RateRefusal, SalesRefusal } from './commands/create-hold.js'
import { finaliseHolds } from './commands/finalise-holds.js'
import type { FinaliseOutcome } from './commands/finalise-holds.js'
import { ownKeysOf } from './commands/items.js'
import { abandonHold, extendHold, getHold, pinHold, releaseHold, unpinHold } from './commands/owned-hold.js'
import type { ActionsCounter, KeysChanged, PinReply, StoredHold } from './commands/owned-hold.js'
import { reclaimHolder, releaseHolder, sweepEvent } from './commands/reclaim.js'
import type { SweepReply } from './commands/reclaim.js'
import { healSold, markCancelling, markSold, returnSeats, syncSold } from './commands/sold-state.js'
import type { HealPlan, HealResult } from './commands/sold-state.js'
import { loadEvent } from './event-loading.js'
import type { SoldSection } from './event-loading.js'
import { EventKeys, residentIndexKey } from './keys.js'
import { BoundedMap } from '../lib/bounded-map.js'
import { OwnKeysCache } from './own-keys-cache.js'
import type { SoldOutCache } from './sold-out.js'
import { HoldRefusedError, storeFailure } from './store-errors.js'
import {
  redisTime,
  saleSnapshot,
  sectionCounts,
  seatStatuses,
  seatValues,
  storeActivity,
} from './store-statistics.js'
import type { SaleSnapshot, SeatStatus, SectionCounts, StoreActivity } from './store-statistics.js'

export type { ActionsCounter, HoldRefusalReason, StoredHold } from './commands/owned-hold.js'
export type { CreateRateLimits, CreateRefusal, RateRefusal, SalesRefusal } from './commands/create-hold.js'
export type { HealPlan, HealResult } from './commands/sold-state.js'
export type { FinaliseOutcome } from './commands/finalise-holds.js'
export type { BlockReply, FreeBlockReply } from './commands/blocks.js'
export type { SaleSnapshot, SectionCounts, StoreActivity } from './store-statistics.js'

export type CreateHoldInput = CreateHoldArgs

export type CreateHoldResult =
  | { kind: 'created'; createdAt: number; expiresAt: number; items: Item[] }
  | { kind: 'replayed'; holdId: string; encryptedToken: string; createdAt: number; expiresAt: number }
  | { kind: 'not-ready' }
  /** The hold's key was taken by abandon(): an earlier call with this hold id timed out and was undone. */
  | { kind: 'abandoned' }
  | { kind: 'refused'; refusal: CreateRefusal | SalesRefusal | RateRefusal | { kind: 'idempotencyReused' } }
  /**
   * Refused only because the script reclaims a bounded number of expired holds per call and more of them
   * wait (their units would count against the section or the holder): reclaim more and call again.
   * `refusal` is the answer to give when the caller stops retrying.
   */
  | { kind: 'expired-pending'; refusal: CreateRefusal }

/** Events whose key names a store keeps made (HoldStore.keys). */
const EVENT_KEYS_CACHED = 1000

/** Sections not given as rows: no best-available structure to keep. */
const noSeating: SeatingOf = () => undefined

/** One page of a bulk release (HoldStore.releaseHolderPage). */
export interface ReleasePage {
  released: number
  /** More of the holder's held holds wait: call again. */
  more: boolean
}

export type PinResult = PinReply

/** One sweep of one event (HoldStore.sweep), with the expired tally it collected for the caller to count. */
export type SweepResult = SweepReply

/**
 * Holds finalised per script call at most, and the page of a bulk release (RECLAIM_BATCH in lua/includes/basics.lua,
 * which releaseHolder takes per call).
 */
const FINALISE_CHUNK = 50

/**
 * The hold store: one method per Lua script, each one round trip. Refusals come back as typed outcomes
 * (or HoldRefusedError); the services decide the API's answer.
 */
export class HoldStore {
  /** The events that can have due work (see active-events.ts): written before creates, read by visitors. */
  readonly active: ActiveEvents
  /** Own keys of holds known to this process, so acting on them needs no read first (own-keys-cache.ts). */
  readonly ownKeysCache = new OwnKeysCache()

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    /** Sections known sold out: holds on them are refused without a script call (the rush path). */
    private readonly soldOut?: SoldOutCache,
    activeOptions: ActiveEventsOptions = {},
  ) {
    this.active = new ActiveEvents(redis, prefix, activeOptions)
  }

  /**
   * An event's key names, made once per event: every script call names six to a dozen of them, and a
   * request's short-lived strings are what the young-generation GC copies when it runs mid-request.
   */
  keys(eventId: string): EventKeys {
    let k = this.eventKeys.get(eventId)
    if (k === undefined) {
      k = new EventKeys(this.prefix, eventId)
      this.eventKeys.set(eventId, k)
    }
    return k
  }

  /** Bounded: the oldest event's names go first (they are made again when next needed). */
  private readonly eventKeys = new BoundedMap<string, EventKeys>(EVENT_KEYS_CACHED)

  private async call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (error) {
      throw storeFailure(error)
    }
  }

  /**
   * Reads holds' own keys (holder index and seat keys) so a script acting on them can declare every key
   * it touches (lua/README.md, "Declared keys"): one HGETALL each, pipelined.
   */
  private async ownKeys(k: EventKeys, holdIds: readonly string[]): Promise<string[][]> {
    const pipeline = this.redis.pipeline()
    for (const holdId of holdIds) pipeline.hgetall(k.hold(holdId))
    const results = (await pipeline.exec()) ?? []
    return results.map(([error, fields]) => {
      if (error) throw error
      return ownKeysOf(k, fields as Record<string, string>)
    })
  }

  /**
   * The own keys of holds for a script that acts on them: remembered ones as they are, the others read
   * (one pipelined HGETALL each) and remembered. `fresh` reads them all (after a KEYS_CHANGED answer).
   */
  private async ownKeysFor(k: EventKeys, holdIds: readonly string[], fresh = false): Promise<string[][]> {
    const own: (readonly string[] | undefined)[] = holdIds.map((id) =>
      fresh ? undefined : this.ownKeysCache.get(k.hold(id)),
    )
    const missing = holdIds.filter((_, i) => own[i] === undefined)
    if (missing.length > 0) {
      const read = await this.ownKeys(k, missing)
      let j = 0
      for (let i = 0; i < own.length; i++) {
        if (own[i] !== undefined) continue
        const keys = read[j++] ?? []
        // An unknown hold has no keys: nothing worth remembering.
        if (keys.length > 0) this.ownKeysCache.set(k.hold(holdIds[i] as string), keys)
        own[i] = keys
      }
    }
    return own as string[][]
  }

  /**
   * Runs a script on one known hold with its own keys declared; a hold whose keys were remembered wrong,
   * or created or changed between the read and the script (the script answered KEYS_CHANGED before
   * writing anything for it), is read again.
   */
  private async onHold<R extends { kind: string }>(
    k: EventKeys,
    holdId: string,
    run: (own: string[]) => Promise<R | KeysChanged>,
  ): Promise<R> {
    return this.call(async () => {
      for (let attempt = 1; ; attempt++) {
        const [own = []] = await this.ownKeysFor(k, [holdId], attempt > 1)
        const reply = await run(own)
        if (reply.kind !== 'keysChanged') return reply as R
        if (attempt >= 3) throw new Error(`hold ${holdId}: its own keys kept changing`)
      }
    })
  }

  /**
   * The refusal the script would give when every section of the hold is known sold out (the rush path:
   * no script call), or null. Callers skip it for requests with an Idempotency-Key, which may replay a hold.
   */
  async soldOutRefusal(eventId: string, items: RequestItem[]): Promise<CreateRefusal | null> {
    return (await this.soldOut?.refusal(eventId, items)) ?? null
  }

  async create(eventId: string, input: CreateHoldInput): Promise<CreateHoldResult> {
    const k = this.keys(eventId)
    // Registered before the script runs, so no visitor can miss the hold it may take (active-events.ts).
    await this.call(() => this.active.register(eventId, input.lifetimeMs))
    const reply = await this.call(() => createHold(this.redis, k, input))
    switch (reply.kind) {
      case 'created':
        this.ownKeysCache.set(k.hold(input.holdId), reply.own)
        return reply
      case 'replayed':
        return reply
      case 'seatsTaken':
      case 'sectionShort':
      case 'noBlock':
        // Sections found sold out are remembered: the next holds on them are refused from memory.
        this.soldOut?.mark(eventId, reply.soldOut)
        return { kind: 'refused', refusal: reply }
      case 'holderLimit':
      case 'rateLimited':
      case 'idempotencyReused':
      case 'salesNotOpen':
      case 'salesClosed':
        return { kind: 'refused', refusal: reply }
      case 'expiredPending':
        return { kind: 'expired-pending', refusal: reply.refusal }
      case 'notReady':
        // The event's state is gone (evicted, or Redis lost it): the index may be gone with it.
        this.active.reset(eventId)
        return { kind: 'not-ready' }
      case 'abandoned':
        return { kind: 'abandoned' }
    }
  }

  async get(eventId: string, holdId: string, auth: HoldAuth): Promise<StoredHold> {
    const reply = await this.call(() => getHold(this.redis, this.keys(eventId), { holdId, auth }))
    if (reply.kind === 'refused') throw new HoldRefusedError(reply.reason)
    return reply.hold
  }

  async extend(
    eventId: string,
    holdId: string,
    auth: HoldAuth,
    ttlMs: number,
    lifetimeMs: number,
  ): Promise<StoredHold> {
    const k = this.keys(eventId)
    const reply = await this.onHold(k, holdId, (own) =>
      extendHold(this.redis, k, { holdId, own, auth, ttlMs, lifetimeMs }),
    )
    if (reply.kind === 'refused') throw new HoldRefusedError(reply.reason)
    return reply.hold
  }

  async release(eventId: string, holdId: string, auth: HoldAuth): Promise<void> {
    const k = this.keys(eventId)
    const reply = await this.onHold(k, holdId, (own) => releaseHold(this.redis, k, { holdId, own, auth }))
    if (reply.kind === 'refused') throw new HoldRefusedError(reply.reason)
    this.ownKeysCache.delete(k.hold(holdId))
  }

  /**
   * Undoes a create whose call timed out: releases the hold if the create ran, else leaves a tombstone
   * so it never will. Resolves once Redis has answered (either way nothing is left behind).
   */
  async abandon(eventId: string, holdId: string): Promise<'tombstone' | 'released' | 'nothing'> {
    const k = this.keys(eventId)
    const reply = await this.onHold(k, holdId, (own) => abandonHold(this.redis, k, { holdId, own }))
    this.ownKeysCache.delete(k.hold(holdId))
    return reply.kind
  }

  /**
   * Reclaims one batch of a holder's expired holds (createHold said they count against its limit);
   * true while more of them wait.
   */
  async reclaimHolder(eventId: string, holder: string): Promise<boolean> {
    return (await this.call(() => reclaimHolder(this.redis, this.keys(eventId), { holder }))).more
  }

  /**
   * Releases one page (a bounded number) of one holder's held holds; `more` says call again. Holds being
   * confirmed are left alone.
   */
  async releaseHolderPage(eventId: string, holder: string): Promise<ReleasePage> {
    const k = this.keys(eventId)
    const holderIndex = k.holder(holder)
    return this.call(async () => {
      // The page the script will take (its first RECLAIM_BATCH held holds), read first so the script can
      // declare each hold and its own keys; a hold that came in between waits for the next page.
      const holds = await this.redis.zrangebyscore(holderIndex, '-inf', '(inf', 'LIMIT', 0, FINALISE_CHUNK)
      const own = (await this.ownKeys(k, holds)).flat()
      return releaseHolder(this.redis, k, { holderIndex, holds, own })
    })
  }

  /**
   * Reclaims one batch of the event's expired holds. `more` says expired holds are still waiting (a
   * backlog larger than one batch): call again. The holds that expired since the last sweep, reclaimed
   * by this sweep or by any other script, are handed to exactly one sweep, which returns their number as
   * `expired` (its caller counts them: the expired-holds metric).
   */
  async sweep(eventId: string): Promise<SweepResult> {
    return this.call(() => sweepEvent(this.redis, this.keys(eventId)))
  }

  /**
   * Asks the scripts to publish these events' changes for the next `ttlMs` (change streams renew it).
   * Returns the events whose mark had lapsed: their changes since then were not published.
   */
  async watch(eventIds: readonly string[], ttlMs: number): Promise<string[]> {
    // One command per event: on a Cluster each event's key lives in its own slot.
    const previous = await this.call(() =>
      Promise.all(
        eventIds.map((eventId) => this.redis.set(this.keys(eventId).watched, '1', 'PX', ttlMs, 'GET')),
      ),
    )
    return eventIds.filter((_, i) => previous[i] === null)
  }

  async pin(
    eventId: string,
    holdId: string,
    auth: HoldAuth,
    reservationId: string,
    graceMs: number,
    /** The request's hold-actions limit, counted by the pin script (one Redis; see rate-limits.ts). */
    actions?: ActionsCounter,
  ): Promise<PinResult> {
    const k = this.keys(eventId)
    const reply = await this.onHold(k, holdId, (own) =>
      pinHold(this.redis, k, { holdId, own, auth, reservationId, graceMs, actions }),
    )
    if (reply.kind === 'refused') throw new HoldRefusedError(reply.reason)
    return reply
  }

  /**
   * Confirm, step 3, for several holds of one event (lua/finaliseHolds-6.lua): a code per hold, in order:
   * 1 finalised now, 0 already confirmed, negative when Redis no longer has the hold. A group commit can
   * bring 100 holds of 10 seats; they go in calls of at most FINALISE_CHUNK holds (sent together), so
   * each call stays as short as a reclaim batch.
   */
  async finaliseMany(
    eventId: string,
    holds: readonly { holdId: string; reservationId: string }[],
    keepMs: number,
  ): Promise<FinaliseOutcome[]> {
    const k = this.keys(eventId)
    const chunksOf = (list: typeof holds): (typeof holds)[] => {
      const chunks: (typeof holds)[] = []
      for (let i = 0; i < list.length; i += FINALISE_CHUNK) chunks.push(list.slice(i, i + FINALISE_CHUNK))
      return chunks
    }
    const finalise = async (chunk: typeof holds, fresh = false): Promise<FinaliseOutcome[]> => {
      const own = (
        await this.ownKeysFor(
          k,
          chunk.map((h) => h.holdId),
          fresh,
        )
      ).flat()
      return finaliseHolds(this.redis, k, { holds: chunk, own, keepMs })
    }
    const finaliseAll = async (list: typeof holds, fresh = false): Promise<FinaliseOutcome[]> =>
      (await Promise.all(chunksOf(list).map((chunk) => finalise(chunk, fresh)))).flat()
    const outcomes = await this.call(() => finaliseAll(holds))
    // A hold whose own keys were remembered wrong, or changed between the read and the script (never, for
    // a pinned hold: its items and holder are fixed), was left untouched: once more, read, for those.
    const again = holds.filter((_, i) => outcomes[i] === 'keysChanged')
    if (again.length > 0) {
      const retried = await this.call(() => finaliseAll(again, true))
      let j = 0
      for (let i = 0; i < outcomes.length; i++)
        if (outcomes[i] === 'keysChanged') outcomes[i] = retried[j++] as FinaliseOutcome
    }
    // Finalised (or gone): nothing will act on these holds again.
    holds.forEach((h, i) => {
      if (outcomes[i] !== 'keysChanged') this.ownKeysCache.delete(k.hold(h.holdId))
    })
    return outcomes
  }

  async unpin(eventId: string, holdId: string): Promise<'heldAgain' | 'freed' | 'notPinned'> {
    const k = this.keys(eventId)
    return (await this.onHold(k, holdId, (own) => unpinHold(this.redis, k, { holdId, own }))).kind
  }

  /** Holds pinned for confirmation whose grace deadline has passed (the reconciler's work list). */
  /** The expiry of a pinned hold (status "confirming"), or null when it is not pinned any more. */
  async pinnedExpiry(eventId: string, holdId: string): Promise<number | null> {
    const [status, expiresAt] = await this.call(() =>
      this.redis.hmget(this.keys(eventId).hold(holdId), 'st', 'e'),
    )
    return status === 'confirming' && expiresAt !== null ? Number(expiresAt) : null
  }

  /**
   * The reconciler looks at a pinned hold again at `until`. XX: a hold finalised or unpinned meanwhile
   * has left the confirming index and is not put back.
   */
  async deferPin(eventId: string, holdId: string, until: number): Promise<void> {
    await this.call(() => this.redis.zadd(this.keys(eventId).confirming, 'XX', until, holdId))
  }

  async overduePins(eventId: string, now: number, limit: number): Promise<string[]> {
    const k = this.keys(eventId)
    return this.call(() => this.redis.zrangebyscore(k.confirming, '-inf', now, 'LIMIT', 0, limit))
  }

  /**
   * Records seats the ledger reports sold but Redis had forgotten, with the reservation that owns each
   * ("" when the caller does not know it); returns how many were newly marked.
   */
  async markSold(
    eventId: string,
    seats: { section: string; seat: string; reservationId?: string }[],
    seating?: SeatingOf,
  ): Promise<number> {
    return (await this.call(() => markSold(this.redis, this.keys(eventId), { seats, seating }))).marked
  }

  /** Cancel, before the ledger step: the cancel is in flight until `ms` from now (Redis time). */
  async markCancelling(eventId: string, reservationId: string, ms: number): Promise<void> {
    await this.call(() => markCancelling(this.redis, this.keys(eventId), { reservationId, ms }))
  }

  /**
   * After this request's ledger transaction cancelled the reservation: frees the seats Redis still has
   * sold to it and, if the cancel's in-flight entry is still there, returns its GA units. Idempotent.
   */
  async returnSeats(
    eventId: string,
    reservationId: string,
    items: Item[],
    seating?: SeatingOf,
  ): Promise<{ seats: number; units: number }> {
    return this.call(() => returnSeats(this.redis, this.keys(eventId), { reservationId, items, seating }))
  }

  /** The sale version and sold counts, or null when the event's state is not loaded. One round trip. */
  async saleSnapshot(eventId: string): Promise<SaleSnapshot | null> {
    return this.call(() => saleSnapshot(this.redis, this.keys(eventId)))
  }

  /** The raw values of a section's seat keys (null free, a hold id, "$<reservationId>"), in label order. */
  async seatValues(eventId: string, section: string, labels: string[]): Promise<(string | null)[]> {
    return this.call(() => seatValues(this.redis, this.keys(eventId), section, labels))
  }

  /** Applies a heal if the sale version is still `version` (lua/healSold-4.lua). */
  async healSold(eventId: string, version: string, plan: HealPlan, seating?: SeatingOf): Promise<HealResult> {
    return this.call(() => healSold(this.redis, this.keys(eventId), { version, plan, seating }))
  }

  /** Raises GA sold counts to the ledger's figures (never lowers them); returns how many moved. */
  async syncSold(eventId: string, sold: { section: string; sold: number }[]): Promise<number> {
    if (sold.length === 0) return 0
    return (await this.call(() => syncSold(this.redis, this.keys(eventId), { sold }))).moved
  }

  /** Redis server time in ms: every instance agrees on it. */
  async now(): Promise<number> {
    return this.call(() => redisTime(this.redis))
  }

  /** Writes an event's state from the ledger (see loadEvent). */
  async load(
    eventId: string,
    sections: LoadedSection[],
    sold: Map<string, SoldSection>,
    /** The sales window from the ledger, read no earlier than `sold`. */
    sales: SalesWindow,
    /** When the retention job may remove the state again (ms), or null to keep it. */
    evictAt: number | null,
    /** The blocks holding seats now, read from the ledger after `sold`. */
    blocks: readonly SeatBlock[] = [],
  ): Promise<void> {
    const resident = { index: residentIndexKey(this.prefix), eventId, evictAt }
    await this.call(() => loadEvent(this.redis, this.keys(eventId), sections, sold, sales, resident, blocks))
  }

  /** Blocks every seat or none (lua/blockSeats-7.lua); `releaseAt` (ms) indexes an allocation's release. */
  async block(
    eventId: string,
    blockId: string,
    seats: readonly BlockedSeat[],
    releaseAt: number | null,
    /** Where seats sit in sections given as rows: the block keeps their best-available structure true. */
    seating?: SeatingOf,
  ): Promise<BlockReply> {
    return this.call(() =>
      blockSeats(this.redis, this.keys(eventId), {
        blockId,
        seats,
        releaseAt,
        seating: seating ?? noSeating,
      }),
    )
  }

  /**
   * Ends a block in one script (lua/freeBlock-7.lua): `unblock` at once; `release` only when due, and
   * `freed` for exactly one caller however many try.
   */
  async freeBlock(
    eventId: string,
    blockId: string,
    seats: readonly BlockedSeat[],
    how: 'unblock' | 'release',
    seating?: SeatingOf,
  ): Promise<FreeBlockReply> {
    return this.call(() =>
      freeBlock(this.redis, this.keys(eventId), { blockId, seats, how, seating: seating ?? noSeating }),
    )
  }

  /**
   * An admin's change of the sales window, written after the ledger's: createHold on every instance
   * refuses or accepts by it from the next call. Written whether or not the event is loaded, so a load
   * that read the ledger before the change cannot record the older window over it.
   */
  async recordSales(eventId: string, sales: SalesWindow): Promise<void> {
    await this.call(() => recordSales(this.redis, this.keys(eventId), { sales, replace: true }))
  }

  /** Held and sold units per section, or null when the event's state is not loaded in Redis. */
  async counts(eventId: string): Promise<Map<string, SectionCounts> | null> {
    return this.call(() => sectionCounts(this.redis, this.keys(eventId)))
  }

  /** Status of each seat of a seated section, in label order. */
  async seatStatuses(eventId: string, section: string, labels: string[]): Promise<SeatStatus[]> {
    return this.call(() => seatStatuses(this.redis, this.keys(eventId), section, labels))
  }

  /**
   * The events the sweeper, the reconciler and the metrics scrape visit: those that can have holds to
   * expire or pins to settle (see active-events.ts). Events idle for longer than the holds' lifetime are
   * not in it and cost nothing.
   */
  async activeEvents(): Promise<string[]> {
    return this.call(() => this.active.list())
  }

  /** Totals over the active events, for metrics (an event outside the index has no hold: it adds nothing). */
  async activity(): Promise<StoreActivity> {
    const ids = await this.activeEvents()
    return this.call(() =>
      storeActivity(
        this.redis,
        ids.map((id) => this.keys(id)),
      ),
    )
  }
}
