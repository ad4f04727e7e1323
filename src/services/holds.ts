import type { Config } from '../config.js'
import type { HoldAuth } from '../domain/hold.js'
import { itemsProblem, ttlInRange } from '../domain/hold-rules.js'
import type { ItemsProblem } from '../domain/hold-rules.js'
import { isTogether } from '../domain/items.js'
import type { Item, RequestItem } from '../domain/items.js'
import { seatingOf } from '../domain/loaded-event.js'
import type { LoadedEvent } from '../domain/loaded-event.js'
import { DEFAULT_LONE_SEAT_RULE } from '../domain/seating.js'
import { apiError } from '../errors.js'
import type { ApiError } from '../errors.js'
import type { Ledger } from '../ledger/port.js'
import { canonicalJson, hashToken, newHoldId, newToken, openToken, sealToken, sha256 } from '../lib/tokens.js'
import type { CreateHoldInput, CreateRateLimits, HoldStore, StoredHold } from '../redis/hold-store.js'
import { RedisUnavailableError } from '../redis/store-errors.js'
import type { CreateHoldBody, HoldView } from '../schemas/holds.js'
import { AbandonedCreates } from './abandoned-creates.js'
import { isArchived } from './events.js'
import type { EventService } from './events.js'
import { saleOfForgottenHold } from './reservation-access.js'
import { answerRefusal, isUnknownHold, refusalError } from './store-refusals.js'

const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000
/**
 * A create refused only because more expired holds wait than one script call reclaims (their units
 * count against the section or the holder) is tried again after one more bounded reclaim (a sweep of
 * the event, or of the holder's own holds), at most this many times: each round reclaims two batches
 * (the reclaim's and the create's own), so the request stays bounded too, and then gets the refusal the
 * script reported. The sweeper drains the rest meanwhile.
 */
const EXPIRED_PENDING_ROUNDS = 50
/** Per round, a holder's expired holds are drained in up to this many bounded calls (10,000 holds). */
const HOLDER_RECLAIM_CALLS = 200

export interface CreatedHold {
  view: HoldView
  replayed: boolean
}

type Limits = Pick<
  Config,
  'holdTtlDefaultS' | 'holdTtlMaxS' | 'holdLifetimeMaxS' | 'maxSeatsPerHold' | 'maxSeatsPerHolder'
>

function iso(ms: number): string {
  return new Date(ms).toISOString()
}

/** The answer to a hold whose items the event cannot take. */
function itemsRefusal(problem: ItemsProblem): ApiError {
  switch (problem.kind) {
    case 'too-many-units':
      return apiError('TOO_MANY_SEATS', { requested: problem.requested, limit: problem.limit })
    case 'unknown-section':
      return apiError('UNKNOWN_SECTION', { section: problem.section })
    case 'section-repeated':
      return apiError(
        'INVALID_REQUEST',
        { section: problem.section },
        'Name each section at most once per hold',
      )
    case 'wrong-item-kind':
      return apiError('WRONG_ITEM_KIND', { section: problem.section, expected: problem.expected })
    case 'duplicate-seats':
      return apiError('DUPLICATE_SEATS', { section: problem.section, seats: problem.seats })
    case 'unknown-seats':
      return apiError('UNKNOWN_SEAT', { section: problem.section, seats: problem.seats })
    case 'not-in-rows':
      return apiError('NOT_IN_ROWS', { section: problem.section })
    case 'too-many-wheelchairs':
      return apiError(
        'INVALID_REQUEST',
        { section: problem.section, wheelchairs: problem.wheelchairs },
        'wheelchairs is part of quantity: at most quantity',
      )
    case 'too-many-together':
      return apiError(
        'TOO_MANY_SEATS',
        { requested: problem.requested, limit: problem.limit },
        `At most ${problem.limit} seats together in one item`,
      )
  }
}

/** Checks the requested items against the event's definition (the script checks availability). */
export function validateItems(event: LoadedEvent, items: RequestItem[], maxSeatsPerHold: number): void {
  const problem = itemsProblem(event, items, maxSeatsPerHold)
  if (problem !== null) throw itemsRefusal(problem)
}

export function checkTtl(ttlSeconds: number, max: number): number {
  if (!ttlInRange(ttlSeconds, max)) {
    throw apiError('INVALID_TTL', { min: 1, max }, `ttlSeconds must be between 1 and ${max}`)
  }
  return ttlSeconds * 1000
}

export class HoldService {
  constructor(
    private readonly events: EventService,
    private readonly store: HoldStore,
    private readonly ledger: Ledger,
    private readonly limits: Limits,
    /** Told the expired tally a sweep of this service collects (the expired-holds metric). */
    private readonly onExpired: (holds: number) => void = () => undefined,
    /** Undoes creates that timed out (see abandoned-creates.ts). */
    readonly abandoned: AbandonedCreates = new AbandonedCreates(store),
  ) {}

  async create(
    eventId: string,
    body: CreateHoldBody,
    idempotencyKey: string | undefined,
    /** The caller proved it is the holder (or an admin): a refusal may show the holder's usage. */
    disclose = false,
    /** An admin's hold (the box office): it sells outside the sales window and while sales are closed. */
    boxOffice = false,
    /** Rate limits the hold's own script call counts (one Redis; see plugins/rate-limits.ts). */
    rateLimits?: CreateRateLimits,
  ): Promise<CreatedHold> {
    const event = await this.events.get(eventId)
    // Known here to be archived: refused without a Redis call (and none of its keys written).
    if (isArchived(event)) throw apiError('EVENT_ARCHIVED', { eventId })
    validateItems(event, body.items, this.limits.maxSeatsPerHold)
    const ttlMs = checkTtl(body.ttlSeconds ?? this.limits.holdTtlDefaultS, this.limits.holdTtlMaxS)
    // A retry with an Idempotency-Key may have to replay its hold, so it always asks Redis.
    if (idempotencyKey === undefined) {
      const known = await this.store.soldOutRefusal(eventId, body.items)
      if (known) throw refusalError(known, disclose)
    }

    const holdId = newHoldId()
    const token = newToken()
    const scope = `${eventId}\u0000${body.holder}`
    const input: CreateHoldInput = {
      holdId,
      tokenHash: hashToken(token),
      holder: body.holder,
      ttlMs,
      lifetimeMs: this.limits.holdLifetimeMaxS * 1000,
      maxPerHolder: this.limits.maxSeatsPerHolder,
      items: body.items,
      seating: seatingOf(event),
      loneSeats: event.definition.loneSeats ?? DEFAULT_LONE_SEAT_RULE,
      salesWindow: !boxOffice,
      idempotency: idempotencyKey
        ? {
            key: idempotencyKey,
            bodyHash: sha256(canonicalJson({ ...body, ttlSeconds: ttlMs / 1000 })),
            encryptedToken: sealToken(token, scope, idempotencyKey),
            ttlMs: IDEMPOTENCY_TTL_MS,
          }
        : null,
      ...(rateLimits ? { rateLimits } : {}),
    }
    const create = async () => {
      try {
        return await this.store.create(eventId, input)
      } catch (error) {
        // Timed out, yet the script may still run when Redis answers: undo it unless a retry with the
        // Idempotency-Key is meant to get this very hold back.
        if (error instanceof RedisUnavailableError && input.idempotency === null)
          this.abandoned.abandon(eventId, holdId, this.limits.holdLifetimeMaxS * 1000)
        throw error
      }
    }
    let result = await create()
    if (result.kind === 'not-ready') {
      // No state: the ledger says whether it is gone for good (archived) before anything is rebuilt.
      if ((await this.events.ensureLoaded(event)) === 'archived')
        throw apiError('EVENT_ARCHIVED', { eventId })
      result = await create()
    }
    for (let round = 0; result.kind === 'expired-pending'; round++) {
      if (round === EXPIRED_PENDING_ROUNDS) throw refusalError(result.refusal, disclose)
      // The request was counted by the call that got this far: the calls after it count nothing.
      delete input.rateLimits
      if (result.refusal.kind === 'holderLimit') {
        for (let call = 0; call < HOLDER_RECLAIM_CALLS; call++)
          if (!(await this.store.reclaimHolder(eventId, body.holder))) break
      } else {
        const { expired } = await this.store.sweep(eventId)
        if (expired > 0) this.onExpired(expired)
      }
      result = await create()
    }
    if (result.kind === 'not-ready') throw apiError('EVENT_LOADING')
    // A holder named only in the body is a claim anyone can make: `disclose` keeps its usage out of the
    // answer (see refusalError).
    if (result.kind === 'refused') throw refusalError(result.refusal, disclose)
    // Only a call of ours that timed out was abandoned, and its answer was a 503 already.
    if (result.kind === 'abandoned') throw apiError('REDIS_UNAVAILABLE')

    const view = (
      id: string,
      secret: string,
      createdAt: number,
      expiresAt: number,
      items: Item[],
    ): HoldView => ({
      id,
      token: secret,
      eventId,
      holder: body.holder,
      status: 'held',
      items,
      expiresAt: iso(expiresAt),
      createdAt: iso(createdAt),
    })
    if (result.kind === 'replayed') {
      const secret = openToken(result.encryptedToken, scope, idempotencyKey as string)
      // A replay of a pick shows the seats it chose: the hold keeps them.
      const items = body.items.some(isTogether)
        ? (
            await this.store
              .get(eventId, result.holdId, { admin: false, tokenHash: hashToken(secret) })
              .catch(() => null)
          )?.items
        : (body.items as Item[])
      return {
        view: view(result.holdId, secret, result.createdAt, result.expiresAt, items ?? []),
        replayed: true,
      }
    }
    return { view: view(holdId, token, result.createdAt, result.expiresAt, result.items), replayed: false }
  }

  async get(eventId: string, holdId: string, auth: HoldAuth): Promise<HoldView> {
    await this.events.get(eventId)
    try {
      return this.view(eventId, holdId, await this.store.get(eventId, holdId, auth))
    } catch (error) {
      if (!isUnknownHold(error)) answerRefusal(error)
      const notFound = refusalError({ kind: 'hold', reason: 'unknown' })
      const reservation = await saleOfForgottenHold(this.ledger, eventId, holdId, auth, notFound)
      return {
        id: holdId,
        eventId,
        holder: reservation.holder,
        status: 'confirmed',
        items: reservation.items,
        createdAt: reservation.createdAt,
        expiresAt: reservation.createdAt,
        reservationId: reservation.id,
      }
    }
  }

  async extend(eventId: string, holdId: string, auth: HoldAuth, ttlSeconds: number): Promise<HoldView> {
    await this.events.get(eventId)
    const ttlMs = checkTtl(ttlSeconds, this.limits.holdTtlMaxS)
    const hold = await this.store
      .extend(eventId, holdId, auth, ttlMs, this.limits.holdLifetimeMaxS * 1000)
      .catch(answerRefusal)
    return this.view(eventId, holdId, hold)
  }

  async release(eventId: string, holdId: string, auth: HoldAuth): Promise<void> {
    await this.events.get(eventId)
    await this.store.release(eventId, holdId, auth).catch(answerRefusal)
  }

  /**
   * Releases every held hold of a holder, one bounded page per script call: Redis serves other clients
   * between pages, however many holds the holder has. Each page empties what it visits, so the loop
   * ends (a holder can add holds meanwhile only up to its limit).
   */
  async releaseHolder(eventId: string, holder: string): Promise<number> {
    // An archived event has no hold left, and its Redis state must stay gone.
    if (isArchived(await this.events.get(eventId))) return 0
    let released = 0
    for (;;) {
      const page = await this.store.releaseHolderPage(eventId, holder)
      released += page.released
      if (!page.more) return released
    }
  }

  private view(eventId: string, holdId: string, hold: StoredHold): HoldView {
    return {
      id: holdId,
      eventId,
      holder: hold.holder,
      status: hold.status,
      items: hold.items,
      expiresAt: iso(hold.expiresAt),
      createdAt: iso(hold.createdAt),
      ...(hold.status === 'confirmed' ? {} : { ttlMs: Math.max(0, hold.expiresAt - hold.now) }),
      ...(hold.reservationId && hold.status === 'confirmed' ? { reservationId: hold.reservationId } : {}),
    }
  }
}
