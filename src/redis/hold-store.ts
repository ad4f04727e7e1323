import { Cluster } from 'ioredis'
import { apiError } from '../errors.js'
import type { SectionDefinition } from '../domain/event.js'
import type { HoldAuth, HoldStatus } from '../domain/hold.js'
import type { Item } from '../domain/items.js'
import type { RedisClient } from './client.js'
import { ActiveEvents } from './active-events.js'
import type { ActiveEventsOptions } from './active-events.js'
import { EventKeys, holderDigest, residentIndexKey } from './keys.js'
import { OwnKeysCache } from './own-keys-cache.js'
import { SCRIPT_CODE as CODE } from './script-codes.js'
import type { ScriptReply } from './scripts.js'
import type { SoldOutCache } from './sold-out.js'

/** Items as the scripts store them: "k" is "s" (seats) or "g" (GA quantity). */
type ScriptItem = { s: string; k: 's'; seats: string[] } | { s: string; k: 'g'; q: number }

export interface StoredHold {
  holder: string
  items: Item[]
  status: HoldStatus
  createdAt: number
  expiresAt: number
  reservationId: string | null
  now: number
}

export interface CreateHoldInput {
  holdId: string
  tokenHash: string
  holder: string
  ttlMs: number
  lifetimeMs: number
  maxPerHolder: number
  items: Item[]
  idempotency: { key: string; bodyHash: string; encryptedToken: string; ttlMs: number } | null
}

export type CreateHoldResult =
  | { kind: 'created'; createdAt: number; expiresAt: number }
  | { kind: 'replayed'; holdId: string; encryptedToken: string; createdAt: number; expiresAt: number }
  | { kind: 'not-ready' }
  /** The hold's key was taken by abandon(): an earlier call with this hold id timed out and was undone. */
  | { kind: 'abandoned' }
  /**
   * Refused only because the script reclaims a bounded number of expired holds per call and more of them
   * wait (their units would count against the section or the holder): reclaim more and call again.
   * `refusal` is the answer to give when the caller stops retrying.
   */
  | { kind: 'expired-pending'; refusal: Error; holder: boolean }

/** One page of a bulk release (HoldStore.releaseHolderPage). */
export interface ReleasePage {
  released: number
  /** More of the holder's held holds wait: call again. */
  more: boolean
}

export type PinResult =
  | {
      kind: 'pinned'
      reservationId: string
      holder: string
      items: Item[]
      createdAt: number
      expiresAt: number
      tokenHash: string
    }
  | { kind: 'confirmed'; reservationId: string }

/** See HoldStore.activity(). */
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

/** One sweep of one event (HoldStore.sweep). */
export interface SweepResult {
  reclaimed: number
  /** The oldest expiry still in the index, or null when it is empty. */
  oldestExpiry: number | null
  /** Redis server time of the sweep, ms. */
  now: number
  /** More expired holds wait than one batch took: call again. */
  more: boolean
}

export interface SectionCounts {
  held: number
  sold: number
}

/**
 * A sold seat's key holds "$<reservationId>" (or "$" while its owner is unknown); a held seat's key holds
 * the hold id, which is base64url and so never starts with "$".
 */
export const SOLD_PREFIX = '$'
const SEAT_BATCH = 1000
/** Meta field naming the eviction in progress (see redis/eviction.ts); a load removes it first. */
export const RETIRING = 'retiring'

export function isSoldValue(value: string | null): boolean {
  return value !== null && value.startsWith(SOLD_PREFIX)
}

/** What the drift reconciler reads first: the sale version and the sold count of each section. */
export interface SaleSnapshot {
  /** The counts hash's sale version ("" when no script changed sold state since the event was loaded). */
  version: string
  sold: Map<string, number>
  /** Holds of the event pinned for a confirm right now (their sales may be in the ledger, not yet here). */
  confirming: number
}

/** One call of lua/healSold-4.lua: seats to set from the ledger, seated counts, GA counts. */
export interface HealPlan {
  /** [section, seat, owning reservation id or "" when the ledger has the seat unsold] */
  seats?: [string, string, string][]
  /** [section, sold keys counted at the read plus earlier pages' changes] */
  seatedCounts?: [string, number][]
  /** [section, the ledger's sold units] */
  ga?: [string, number][]
}

export type HealResult =
  | {
      kind: 'applied'
      version: string
      seats: number
      counts: number
      /** GA sections left for the next pass (a confirm or cancel in flight). */
      waiting: number
      /** Per seated section, how much the seat fixes moved its sold count. */
      deltas: [string, number][]
    }
  | { kind: 'changed' }
  | { kind: 'not-ready' }

/**
 * Holds finalised per script call at most, and the page of a bulk release (RECLAIM_BATCH in common.lua,
 * which releaseHolder takes per call).
 */
const FINALISE_CHUNK = 50

function toScriptItems(items: Item[]): ScriptItem[] {
  return items.map((item) =>
    'seats' in item
      ? { s: item.section, k: 's', seats: item.seats }
      : { s: item.section, k: 'g', q: item.quantity },
  )
}

function fromScriptItems(json: string): Item[] {
  return (JSON.parse(json) as ScriptItem[]).map((item) =>
    item.k === 's' ? { section: item.s, seats: item.seats } : { section: item.s, quantity: item.q },
  )
}

/** A hold's own keys: its holder's index and its seat keys, from the fields a create wrote (never changed). */
function ownKeysOf(k: EventKeys, fields: Record<string, string>): string[] {
  const keys = fields.hk ? [k.holderOf(fields.hk)] : []
  if (fields.i === undefined) return keys
  let json = fields.i
  for (let n = 2; fields[`i${n}`] !== undefined; n++) json += fields[`i${n}`]
  for (const item of JSON.parse(json) as ScriptItem[])
    if (item.k === 's') keys.push(...item.seats.map((seat) => k.seat(item.s, seat)))
  return keys
}

function num(value: string | number | undefined): number {
  return Number(value)
}

/** Redis said no for a reason that passes (loading, failover, busy script): the client should retry. */
const TRANSIENT_REPLY = /^(LOADING|BUSY|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|READONLY|NOREPLICAS|OOM)/

/** Maps a failed Redis call to the API: connection trouble is 503 REDIS_UNAVAILABLE, a script bug stays a 500. */
export function redisFailure(error: unknown): Error {
  if (error instanceof Error && error.name === 'ReplyError' && !TRANSIENT_REPLY.test(error.message))
    return error
  return apiError('REDIS_UNAVAILABLE')
}

/** Refusal codes shared by every token-checked script (see lua/includes/common.lua). */
function holdRefusal(code: number): Error {
  switch (code) {
    case CODE.HOLD_UNKNOWN:
      return apiError('HOLD_NOT_FOUND')
    case CODE.HOLD_RELEASED:
      return apiError('HOLD_RELEASED')
    case CODE.HOLD_EXPIRED:
      return apiError('HOLD_EXPIRED')
    case CODE.HOLD_CONFIRMED:
      return apiError('HOLD_CONFIRMED')
    case CODE.HOLD_CONFIRMING:
      return apiError('HOLD_CONFIRMING')
    case CODE.TOKEN_INVALID:
      return apiError('HOLD_TOKEN_INVALID')
    default:
      return new Error(`unexpected script reply ${code}`)
  }
}

function storedHold(reply: ScriptReply): StoredHold {
  return {
    status: reply[1] as HoldStatus,
    holder: String(reply[2]),
    items: fromScriptItems(String(reply[3])),
    createdAt: num(reply[4]),
    expiresAt: num(reply[5]),
    reservationId: reply[6] ? String(reply[6]) : null,
    now: num(reply[7]),
  }
}

/** { section, version, ... } from createHold's refusals. */
function soldOutSections(raw: unknown): { section: string; version: number }[] {
  const flat = Array.isArray(raw) ? (raw as unknown[]) : []
  const out: { section: string; version: number }[] = []
  for (let i = 0; i + 1 < flat.length; i += 2)
    out.push({ section: String(flat[i]), version: Number(flat[i + 1]) })
  return out
}

/**
 * Refuses from memory, exactly as the script would, a hold whose every section is known sold out:
 * the seats asked for are all unavailable (seats are checked first), else the first GA item is short.
 */
function refuseIfSoldOut(cache: SoldOutCache | undefined, eventId: string, items: Item[]): void {
  if (
    cache === undefined ||
    !cache.allSoldOut(
      eventId,
      items.map((i) => i.section),
    )
  )
    return
  const seats = items.flatMap((i) =>
    'seats' in i ? i.seats.map((seat) => ({ section: i.section, seat })) : [],
  )
  if (seats.length > 0) throw apiError('SEAT_UNAVAILABLE', { seats })
  const first = items[0] as Item & { quantity: number }
  throw apiError('INSUFFICIENT_CAPACITY', { section: first.section, requested: first.quantity, available: 0 })
}

/** The hold store: one method per Lua script, each one round trip, refusals mapped to API errors. */
export class HoldStore {
  /** The events that can have due work (see active-events.ts): written before creates, read by visitors. */
  readonly active: ActiveEvents
  /** Own keys of holds known to this process, so acting on them needs no read first (own-keys-cache.ts). */
  readonly ownKeysCache = new OwnKeysCache()

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    /** Told how many holds expired each time a sweep collects the tally (the expired-holds metric). */
    private readonly onExpired: (holds: number) => void = () => undefined,
    /** Sections known sold out: holds on them are refused without a script call (the rush path). */
    private readonly soldOut?: SoldOutCache,
    activeOptions: ActiveEventsOptions = {},
  ) {
    this.active = new ActiveEvents(redis, prefix, activeOptions)
  }

  keys(eventId: string): EventKeys {
    return new EventKeys(this.prefix, eventId)
  }

  private async call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (error) {
      throw redisFailure(error)
    }
  }

  /**
   * Reads holds' own keys (holder index and seat keys) so a script acting on them can declare every key
   * it touches (lua/includes/common.lua): one HGETALL each, pipelined.
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
   * (one pipelined HGETALL each) and remembered. `fresh` reads them all (after a -30 answer).
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
  private async onHold(
    k: EventKeys,
    holdId: string,
    run: (own: string[]) => Promise<ScriptReply>,
  ): Promise<ScriptReply> {
    return this.call(async () => {
      for (let attempt = 1; ; attempt++) {
        const [own = []] = await this.ownKeysFor(k, [holdId], attempt > 1)
        const reply = await run(own)
        if (reply[0] !== CODE.KEYS_CHANGED || attempt >= 3) return reply
      }
    })
  }

  private auth(auth: HoldAuth): [string, string] {
    return [auth.tokenHash, auth.admin ? '1' : '0']
  }

  /**
   * Throws the refusal the script would give when every section of the hold is known sold out (the rush
   * path: no Redis call). Callers skip it for requests with an Idempotency-Key, which may replay a hold.
   */
  refuseIfSoldOut(eventId: string, items: Item[]): void {
    refuseIfSoldOut(this.soldOut, eventId, items)
  }

  async create(eventId: string, input: CreateHoldInput): Promise<CreateHoldResult> {
    const k = this.keys(eventId)
    const seatKeys = input.items.flatMap((item) =>
      'seats' in item ? item.seats.map((seat) => k.seat(item.section, seat)) : [],
    )
    const units = input.items.reduce(
      (sum, item) => sum + ('seats' in item ? item.seats.length : item.quantity),
      0,
    )
    const idem = input.idempotency
    // Registered before the script runs, so no visitor can miss the hold it may take (active-events.ts).
    await this.call(() => this.active.register(eventId, input.lifetimeMs))
    const keys = [
      ...k.shared,
      k.hold(input.holdId),
      k.holder(input.holder),
      idem ? k.idempotency(input.holder, idem.key) : k.hold(input.holdId),
      ...seatKeys,
    ]
    const reply = await this.call(() =>
      this.redis.createHold(
        keys.length,
        ...keys,
        input.holdId,
        input.tokenHash,
        input.holder,
        input.ttlMs,
        input.lifetimeMs,
        input.maxPerHolder,
        JSON.stringify(toScriptItems(input.items)),
        units,
        idem ? '1' : '0',
        idem?.bodyHash ?? '',
        idem?.encryptedToken ?? '',
        idem?.ttlMs ?? 0,
        holderDigest(input.holder),
      ),
    )
    switch (reply[0]) {
      case 1:
        this.ownKeysCache.set(k.hold(input.holdId), [k.holder(input.holder), ...seatKeys])
        return { kind: 'created', createdAt: num(reply[1]), expiresAt: num(reply[2]) }
      case 2:
        return {
          kind: 'replayed',
          holdId: String(reply[1]),
          encryptedToken: String(reply[2]),
          createdAt: num(reply[3]),
          expiresAt: num(reply[4]),
        }
      case CODE.SEATS_TAKEN:
      case CODE.SECTION_SHORT:
      case CODE.HOLDER_LIMIT:
        throw this.refusal(eventId, reply)
      case CODE.EXPIRED_PENDING:
        return {
          kind: 'expired-pending',
          refusal: this.refusal(eventId, reply.slice(1)),
          holder: reply[1] === CODE.HOLDER_LIMIT,
        }
      case CODE.NOT_READY:
        // The event's state is gone (evicted, or Redis lost it): the index may be gone with it.
        this.active.reset(eventId)
        return { kind: 'not-ready' }
      case CODE.IDEMPOTENCY_REUSED:
        throw apiError('IDEMPOTENCY_KEY_REUSED')
      case CODE.ABANDONED:
        return { kind: 'abandoned' }
      default:
        throw new Error(`unexpected createHold reply ${String(reply[0])}`)
    }
  }

  /** createHold's refusals (seats taken, section short, holder limit) as API errors; sections found sold out are remembered. */
  private refusal(eventId: string, reply: ScriptReply): Error {
    switch (reply[0]) {
      case CODE.SEATS_TAKEN: {
        this.soldOut?.mark(eventId, soldOutSections(reply[1]))
        const seats = []
        for (let i = 2; i < reply.length; i += 2)
          seats.push({ section: String(reply[i]), seat: String(reply[i + 1]) })
        return apiError('SEAT_UNAVAILABLE', { seats })
      }
      case CODE.SECTION_SHORT:
        this.soldOut?.mark(eventId, soldOutSections(reply[4]))
        return apiError('INSUFFICIENT_CAPACITY', {
          section: String(reply[1]),
          requested: num(reply[2]),
          available: Math.max(0, num(reply[3])),
        })
      case CODE.HOLDER_LIMIT:
        return apiError('HOLDER_LIMIT_EXCEEDED', { held: num(reply[1]), limit: num(reply[2]) })
      default:
        return new Error(`unexpected createHold refusal ${String(reply[0])}`)
    }
  }

  async get(eventId: string, holdId: string, auth: HoldAuth): Promise<StoredHold> {
    const k = this.keys(eventId)
    const reply = await this.call(() =>
      this.redis.getHold(7, ...k.shared, k.hold(holdId), holdId, ...this.auth(auth)),
    )
    if (reply[0] !== 1) throw holdRefusal(num(reply[0]))
    return storedHold(reply)
  }

  async extend(eventId: string, holdId: string, auth: HoldAuth, ttlMs: number, lifetimeMs: number) {
    const k = this.keys(eventId)
    const reply = await this.onHold(k, holdId, (own) =>
      this.redis.extendHold(
        7 + own.length,
        ...k.shared,
        k.hold(holdId),
        ...own,
        holdId,
        ...this.auth(auth),
        ttlMs,
        lifetimeMs,
      ),
    )
    if (reply[0] !== 1) throw holdRefusal(num(reply[0]))
    return storedHold(reply)
  }

  async release(eventId: string, holdId: string, auth: HoldAuth): Promise<void> {
    const k = this.keys(eventId)
    const reply = await this.onHold(k, holdId, (own) =>
      this.redis.releaseHold(7 + own.length, ...k.shared, k.hold(holdId), ...own, holdId, ...this.auth(auth)),
    )
    if (reply[0] !== 1) throw holdRefusal(num(reply[0]))
    this.ownKeysCache.delete(k.hold(holdId))
  }

  /**
   * Undoes a create whose call timed out: releases the hold if the create ran, else leaves a tombstone
   * so it never will. Resolves once Redis has answered (either way nothing is left behind).
   */
  async abandon(eventId: string, holdId: string): Promise<'tombstone' | 'released' | 'nothing'> {
    const k = this.keys(eventId)
    const reply = await this.onHold(k, holdId, (own) =>
      this.redis.abandonHold(7 + own.length, ...k.shared, k.hold(holdId), ...own, holdId),
    )
    this.ownKeysCache.delete(k.hold(holdId))
    return reply[0] === 1 ? 'tombstone' : reply[0] === 2 ? 'released' : 'nothing'
  }

  /**
   * Reclaims one batch of a holder's expired holds (createHold said they count against its limit);
   * true while more of them wait.
   */
  async reclaimHolder(eventId: string, holder: string): Promise<boolean> {
    const k = this.keys(eventId)
    const reply = await this.call(() => this.redis.reclaimHolder(7, ...k.shared, k.holder(holder)))
    return num(reply[0]) === 1
  }

  /**
   * Releases one page (a bounded number) of one holder's held holds; `more` says call again. Holds being
   * confirmed are left alone.
   */
  async releaseHolderPage(eventId: string, holder: string): Promise<ReleasePage> {
    const k = this.keys(eventId)
    const zset = k.holder(holder)
    const reply = await this.call(async () => {
      // The page the script will take (its first RECLAIM_BATCH held holds), read first so the script can
      // declare each hold and its own keys; a hold that came in between waits for the next page.
      const ids = await this.redis.zrangebyscore(zset, '-inf', '(inf', 'LIMIT', 0, FINALISE_CHUNK)
      const own = (await this.ownKeys(k, ids)).flat()
      const keys = [...k.shared, zset, ...ids.map((id) => k.hold(id)), ...own]
      return this.redis.releaseHolder(keys.length, ...keys)
    })
    return { released: num(reply[0]), more: num(reply[1]) === 1 }
  }

  /**
   * Reclaims one batch of the event's expired holds. `more` says expired holds are still waiting (a
   * backlog larger than one batch): call again. The holds that expired since the last sweep, reclaimed
   * by this sweep or by any other script, are handed to exactly one sweep, which passes their number to
   * `onExpired`.
   */
  async sweep(eventId: string): Promise<SweepResult> {
    const k = this.keys(eventId)
    const reply = await this.call(() => this.redis.sweepEvent(6, ...k.shared))
    const oldest = num(reply[1])
    const expired = num(reply[4])
    if (expired > 0) this.onExpired(expired)
    return {
      reclaimed: num(reply[0]),
      oldestExpiry: oldest < 0 ? null : oldest,
      now: num(reply[2]),
      more: num(reply[3]) === 1,
    }
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

  async pin(eventId: string, holdId: string, auth: HoldAuth, reservationId: string, graceMs: number) {
    const k = this.keys(eventId)
    const reply = await this.onHold(k, holdId, (own) =>
      this.redis.pinHold(
        7 + own.length,
        ...k.shared,
        k.hold(holdId),
        ...own,
        holdId,
        ...this.auth(auth),
        reservationId,
        graceMs,
      ),
    )
    if (reply[0] === 3) return { kind: 'confirmed', reservationId: String(reply[1]) } satisfies PinResult
    if (reply[0] !== 2) throw holdRefusal(num(reply[0]))
    return {
      kind: 'pinned',
      reservationId: String(reply[1]),
      holder: String(reply[2]),
      items: fromScriptItems(String(reply[3])),
      createdAt: num(reply[4]),
      expiresAt: num(reply[5]),
      tokenHash: String(reply[6]),
    } satisfies PinResult
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
  ): Promise<number[]> {
    const k = this.keys(eventId)
    const chunks: (typeof holds)[] = []
    for (let i = 0; i < holds.length; i += FINALISE_CHUNK) chunks.push(holds.slice(i, i + FINALISE_CHUNK))
    const finalise = async (chunk: typeof holds, fresh = false): Promise<number[]> => {
      const own = (
        await this.ownKeysFor(
          k,
          chunk.map((h) => h.holdId),
          fresh,
        )
      ).flat()
      const keys = [...k.shared, ...chunk.map((h) => k.hold(h.holdId)), ...own]
      const reply = await this.redis.finaliseHolds(
        keys.length,
        ...keys,
        keepMs,
        ...chunk.flatMap((h) => [h.holdId, h.reservationId]),
      )
      return reply.map(num)
    }
    const codes = await this.call(async () =>
      (await Promise.all(chunks.map((chunk) => finalise(chunk)))).flat(),
    )
    // A hold whose own keys were remembered wrong, or changed between the read and the script (never, for
    // a pinned hold: its items and holder are fixed), was left untouched: once more, read, for those.
    const again = holds.filter((_, i) => codes[i] === CODE.KEYS_CHANGED)
    if (again.length > 0) {
      const retried = await this.call(() => finalise(again, true))
      let j = 0
      for (let i = 0; i < codes.length; i++)
        if (codes[i] === CODE.KEYS_CHANGED) codes[i] = retried[j++] as number
    }
    // Finalised (or gone): nothing will act on these holds again.
    holds.forEach((h, i) => {
      if (codes[i] !== CODE.KEYS_CHANGED) this.ownKeysCache.delete(k.hold(h.holdId))
    })
    return codes
  }

  async unpin(eventId: string, holdId: string): Promise<number> {
    const k = this.keys(eventId)
    const reply = await this.onHold(k, holdId, (own) =>
      this.redis.unpinHold(7 + own.length, ...k.shared, k.hold(holdId), ...own, holdId),
    )
    return num(reply[0])
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
  ): Promise<number> {
    const k = this.keys(eventId)
    const args = seats.flatMap((s) => [s.section, s.seat, s.reservationId ?? ''])
    const seatKeys = seats.map((s) => k.seat(s.section, s.seat))
    const reply = await this.call(() =>
      this.redis.markSold(2 + seatKeys.length, k.meta, k.counts, ...seatKeys, ...args),
    )
    return num(reply[0])
  }

  /** Cancel, before the ledger step: the cancel is in flight until `ms` from now (Redis time). */
  async markCancelling(eventId: string, reservationId: string, ms: number): Promise<void> {
    const k = this.keys(eventId)
    await this.call(() => this.redis.markCancelling(2, k.meta, k.cancelling, reservationId, ms))
  }

  /**
   * After this request's ledger transaction cancelled the reservation: frees the seats Redis still has
   * sold to it and, if the cancel's in-flight entry is still there, returns its GA units. Idempotent.
   */
  async returnSeats(
    eventId: string,
    reservationId: string,
    items: Item[],
  ): Promise<{ seats: number; units: number }> {
    const k = this.keys(eventId)
    const seatKeys = items.flatMap((item) =>
      'seats' in item ? item.seats.map((seat) => k.seat(item.section, seat)) : [],
    )
    const reply = await this.call(() =>
      this.redis.returnSeats(
        7 + seatKeys.length,
        ...k.shared,
        k.cancelling,
        ...seatKeys,
        reservationId,
        JSON.stringify(toScriptItems(items)),
      ),
    )
    return { seats: num(reply[0]), units: num(reply[1]) }
  }

  /** The sale version and sold counts, or null when the event's state is not loaded. One round trip. */
  async saleSnapshot(eventId: string): Promise<SaleSnapshot | null> {
    const k = this.keys(eventId)
    const results = await this.call(() =>
      this.redis.pipeline().hget(k.meta, 'ready').hgetall(k.counts).zcard(k.confirming).exec(),
    )
    const [readyError, ready] = results?.[0] ?? [null, null]
    const [countsError, raw] = results?.[1] ?? [null, {}]
    const [confirmingError, confirming] = results?.[2] ?? [null, 0]
    if (readyError) throw redisFailure(readyError)
    if (countsError) throw redisFailure(countsError)
    if (confirmingError) throw redisFailure(confirmingError)
    if (ready !== '1') return null
    const sold = new Map<string, number>()
    let version = ''
    for (const [field, value] of Object.entries(raw as Record<string, string>)) {
      if (field === 'sv') version = value
      else if (field.startsWith('s:')) sold.set(field.slice(2), Number(value))
    }
    return { version, sold, confirming: Number(confirming) }
  }

  /** The raw values of a section's seat keys (null free, a hold id, "$<reservationId>"), in label order. */
  async seatValues(eventId: string, section: string, labels: string[]): Promise<(string | null)[]> {
    const k = this.keys(eventId)
    const values: (string | null)[] = []
    for (let i = 0; i < labels.length; i += SEAT_BATCH) {
      const page = await this.call(() =>
        this.redis.mget(labels.slice(i, i + SEAT_BATCH).map((seat) => k.seat(section, seat))),
      )
      values.push(...page)
    }
    return values
  }

  /** Applies a heal if the sale version is still `version` (lua/healSold-4.lua). */
  async healSold(eventId: string, version: string, plan: HealPlan): Promise<HealResult> {
    const k = this.keys(eventId)
    const json = JSON.stringify({ s: plan.seats ?? [], c: plan.seatedCounts ?? [], g: plan.ga ?? [] })
    const seatKeys = (plan.seats ?? []).map(([section, seat]) => k.seat(section, seat))
    const reply = await this.call(() =>
      this.redis.healSold(
        4 + seatKeys.length,
        k.meta,
        k.counts,
        k.confirming,
        k.cancelling,
        ...seatKeys,
        version,
        json,
      ),
    )
    if (reply[0] === 0) return { kind: 'changed' }
    if (reply[0] === CODE.NOT_READY) return { kind: 'not-ready' }
    return {
      kind: 'applied',
      version: String(reply[1]),
      seats: num(reply[2]),
      counts: num(reply[3]),
      waiting: num(reply[4]),
      deltas: Array.from({ length: Math.floor((reply.length - 5) / 2) }, (_, i) => [
        String(reply[5 + 2 * i]),
        num(reply[6 + 2 * i]),
      ]),
    }
  }

  /** Raises GA sold counts to the ledger's figures (never lowers them); returns how many moved. */
  async syncSold(eventId: string, sold: { section: string; sold: number }[]): Promise<number> {
    if (sold.length === 0) return 0
    const k = this.keys(eventId)
    const args = sold.flatMap((s) => [s.section, s.sold])
    const reply = await this.call(() => this.redis.syncSold(2, k.meta, k.counts, ...args))
    return num(reply[0])
  }

  /** Redis server time in ms: every instance agrees on it. */
  async now(): Promise<number> {
    const [seconds, micros] = await this.call(() => this.redis.time())
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)
  }

  /**
   * Writes an event's state from the ledger: sold seat keys first, then counts and ready=1 in one script.
   * Called only while the event is not ready, so every hold script answers "not ready" until the last
   * step; activation refuses to overwrite a state a concurrent loader made live first.
   */
  async load(
    eventId: string,
    sections: SectionDefinition[],
    sold: Map<string, { sold: number; seats: string[]; owners: string[] }>,
    /** When the retention job may remove the state again (ms), or null to keep it. */
    evictAt: number | null,
  ) {
    const k = this.keys(eventId)
    await this.call(async () => {
      // An eviction that lost its lock (a stalled evictor) must not delete what this load writes.
      await this.redis.hdel(k.meta, RETIRING)
      for (const section of sections) {
        const seats = sold.get(section.id)?.seats ?? []
        const owners = sold.get(section.id)?.owners ?? []
        for (let i = 0; i < seats.length; i += SEAT_BATCH) {
          const pipeline = this.redis.pipeline()
          for (let j = i; j < Math.min(i + SEAT_BATCH, seats.length); j++)
            pipeline.set(k.seat(section.id, seats[j] as string), `${SOLD_PREFIX}${owners[j] ?? ''}`)
          const results = await pipeline.exec()
          const failed = results?.find(([error]) => error)?.[0]
          if (failed) throw failed
        }
      }
      const args = sections.flatMap((s) => [
        s.id,
        s.kind === 'seated' ? 's' : 'g',
        s.capacity,
        sold.get(s.id)?.sold ?? 0,
      ])
      await this.redis.activateEvent(2, k.meta, k.counts, ...args)
      if (evictAt !== null) await this.redis.zadd(residentIndexKey(this.prefix), 'GT', evictAt, eventId)
    })
  }

  /** Held and sold units per section, or null when the event's state is not loaded in Redis. */
  async counts(eventId: string): Promise<Map<string, SectionCounts> | null> {
    const k = this.keys(eventId)
    const [ready, raw] = await this.call(() =>
      Promise.all([this.redis.hget(k.meta, 'ready'), this.redis.hgetall(k.counts)]),
    )
    if (ready !== '1') return null
    const counts = new Map<string, SectionCounts>()
    for (const [field, value] of Object.entries(raw)) {
      const kind = field.slice(0, 2)
      if (kind !== 'h:' && kind !== 's:') continue // xp: the expiry tally for metrics
      const section = field.slice(2)
      const entry = counts.get(section) ?? { held: 0, sold: 0 }
      if (kind === 'h:') entry.held = Number(value)
      else entry.sold = Number(value)
      counts.set(section, entry)
    }
    return counts
  }

  /** Status of each seat of a seated section, in label order. */
  async seatStatuses(
    eventId: string,
    section: string,
    labels: string[],
  ): Promise<('available' | 'held' | 'sold')[]> {
    const k = this.keys(eventId)
    const statuses: ('available' | 'held' | 'sold')[] = []
    for (let i = 0; i < labels.length; i += SEAT_BATCH) {
      const values = await this.call(() =>
        this.redis.mget(labels.slice(i, i + SEAT_BATCH).map((seat) => k.seat(section, seat))),
      )
      for (const value of values)
        statuses.push(value === null ? 'available' : isSoldValue(value) ? 'sold' : 'held')
    }
    return statuses
  }

  /**
   * The events the sweeper, the reconciler and the metrics scrape visit: those that can have holds to
   * expire or pins to settle (see active-events.ts). Events idle for longer than the holds' lifetime are
   * not in it and cost nothing.
   */
  async activeEvents(): Promise<string[]> {
    return this.call(() => this.active.list())
  }

  /**
   * Totals over the active events, for metrics (an event outside the index has no hold, so it adds
   * nothing): active holds (held / confirming), units they hold,
   * and the oldest expiry still in any index (with Redis server time, so `now - oldestExpiry` is how
   * overdue the sweeper is). One pipeline per batch of events (per event on a Cluster: one slot each).
   */
  async activity(): Promise<StoreActivity> {
    const ids = await this.activeEvents()
    const total: StoreActivity = {
      events: ids.length,
      held: 0,
      confirming: 0,
      units: 0,
      oldestExpiry: null,
      now: 0,
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
    const queue = (pipeline: ReturnType<RedisClient['pipeline']>, eventId: string) => {
      const k = this.keys(eventId)
      pipeline.zcard(k.expiry).zcard(k.confirming).hgetall(k.counts).zrange(k.expiry, 0, 0, 'WITHSCORES')
    }
    total.now = await this.now()
    await this.call(async () => {
      const batches: string[][] = []
      const size = this.redis instanceof Cluster ? 1 : SEAT_BATCH
      for (let i = 0; i < ids.length; i += size) batches.push(ids.slice(i, i + size))
      const results = await Promise.all(
        batches.map((batch) => {
          const pipeline = this.redis.pipeline()
          for (const eventId of batch) queue(pipeline, eventId)
          return pipeline.exec()
        }),
      )
      results.forEach(add)
    })
    return total
  }
}
