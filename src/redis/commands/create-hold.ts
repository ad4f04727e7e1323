import type { Item, RequestItem } from '../../domain/items.js'
import type { SeatingOf } from '../../domain/loaded-event.js'
import { DEFAULT_LONE_SEAT_RULE } from '../../domain/seating.js'
import type { LoneSeatRule } from '../../domain/seating.js'
import type { RedisClient } from '../client.js'
import { holderDigest } from '../keys.js'
import type { EventKeys } from '../keys.js'
import { SCRIPT_CODE as CODE } from '../script-codes.js'
import type { ScriptReply } from '../scripts.js'
import { itemsFromJson, itemsJson, ownKeysOf, seatingKeysOf, seatKeysOf } from './items.js'
import { num, pairsOf, unexpectedReply } from './replies.js'

export interface CreateHoldArgs {
  holdId: string
  tokenHash: string
  holder: string
  ttlMs: number
  lifetimeMs: number
  maxPerHolder: number
  items: RequestItem[]
  /** Where seats sit in the event's sections given as rows (best available); absent: nowhere. */
  seating?: SeatingOf
  /** The event's lone-seat rule for best-available picks (DEFAULT_LONE_SEAT_RULE when absent). */
  loneSeats?: LoneSeatRule
  /** The event's sales window applies (public holds); a box office (admin) sells outside it. */
  salesWindow: boolean
  idempotency: { key: string; bodyHash: string; encryptedToken: string; ttlMs: number } | null
  /**
   * Rate limits this call counts (single Redis: on a Cluster the counters live in other slots). Absent, or
   * a scope absent: nothing counted for it.
   */
  rateLimits?: CreateRateLimits
}

/** A rate-limit counter: its key and the requests it allows per window. */
export interface RateCounter {
  key: string
  max: number
}

export interface CreateRateLimits {
  windowMs: number
  address?: RateCounter
  holder?: RateCounter
  /**
   * Told once the script has counted the request (it counts after its not-ready and abandoned checks),
   * with the ms left in the address's window when the address is over its limit.
   */
  counted?: (addressOverForMs: number | undefined) => void
}

/** A rate limit is exceeded (one a create counted, or a hold route's check); its window ends in `leftMs`. */
export interface RateRefusal {
  kind: 'rateLimited'
  scope: 'address' | 'holder' | 'actions'
  limit: number
  windowMs: number
  leftMs: number
}

/** A section the script found with nothing available, flagged with a version (see sold-out.ts). */
export interface SoldOutMark {
  section: string
  version: number
}

/** Why a create was refused: an answer about the event's seats, not a fault. */
export type CreateRefusal =
  | { kind: 'seatsTaken'; seats: { section: string; seat: string }[]; soldOut: SoldOutMark[] }
  | { kind: 'sectionShort'; section: string; requested: number; available: number; soldOut: SoldOutMark[] }
  | { kind: 'holderLimit'; held: number; limit: number }
  /** No block of `requested` seats together: `largest` together could be had, `available` are free. */
  | {
      kind: 'noBlock'
      section: string
      requested: number
      largest: number
      available: number
      soldOut: SoldOutMark[]
    }

/** The event is not on sale: its window has not opened, has closed, or an admin closed it. */
export type SalesRefusal =
  { kind: 'salesNotOpen'; opensAt: number } | { kind: 'salesClosed'; reason: 'closed' | 'ended' }

export type CreateHoldReply =
  /**
   * `own`: the new hold's own keys (holder index, seat keys, seating keys), which a script acting on it
   * declares. `items`: the hold's items with the seats best-available picks chose (as requested when none).
   */
  | { kind: 'created'; createdAt: number; expiresAt: number; own: string[]; items: Item[] }
  | { kind: 'replayed'; holdId: string; encryptedToken: string; createdAt: number; expiresAt: number }
  | CreateRefusal
  | SalesRefusal
  | RateRefusal
  /** Refused only because more expired holds wait than one call reclaims: reclaim more and call again. */
  | { kind: 'expiredPending'; refusal: CreateRefusal }
  | { kind: 'notReady' }
  | { kind: 'idempotencyReused' }
  /** The hold's key was taken by abandonHold: this call timed out on the client and was undone. */
  | { kind: 'abandoned' }

function soldOutMarks(raw: unknown): SoldOutMark[] {
  return pairsOf(Array.isArray(raw) ? raw : []).map(([section, version]) => ({
    section,
    version: Number(version),
  }))
}

function refusalOf(reply: ScriptReply): CreateRefusal | null {
  switch (reply[0]) {
    case CODE.SEATS_TAKEN:
      return {
        kind: 'seatsTaken',
        seats: pairsOf(reply, 2).map(([section, seat]) => ({ section, seat })),
        soldOut: soldOutMarks(reply[1]),
      }
    case CODE.SECTION_SHORT:
      return {
        kind: 'sectionShort',
        section: String(reply[1]),
        requested: num(reply[2]),
        available: Math.max(0, num(reply[3])),
        soldOut: soldOutMarks(reply[4]),
      }
    case CODE.HOLDER_LIMIT:
      return { kind: 'holderLimit', held: num(reply[1]), limit: num(reply[2]) }
    case CODE.NO_BLOCK:
      return {
        kind: 'noBlock',
        section: String(reply[1]),
        requested: num(reply[2]),
        largest: num(reply[3]),
        available: Math.max(0, num(reply[4])),
        soldOut: soldOutMarks(reply[5]),
      }
    default:
      return null
  }
}

/** lua/createHold-11.lua: one round trip. */
export async function createHold(
  redis: RedisClient,
  k: EventKeys,
  args: CreateHoldArgs,
): Promise<CreateHoldReply> {
  const idem = args.idempotency
  const seating = args.seating ?? (() => undefined)
  const seatKeys = seatKeysOf(k, args.items)
  const seatingKeys = seatingKeysOf(k, args.items, seating)
  const units = args.items.reduce(
    (sum, item) => sum + ('seats' in item ? item.seats.length : item.quantity),
    0,
  )
  const digest = holderDigest(args.holder)
  const holdKey = k.hold(args.holdId)
  const holderIndex = k.holderOf(digest)
  const limits = args.rateLimits
  const reply = await redis.createHold(
    11 + seatKeys.length + seatingKeys.length,
    ...k.shared,
    holdKey,
    holderIndex,
    idem ? k.idempotency(args.holder, idem.key) : holdKey,
    // A counter not counted is never read: the hold's key stands in for it.
    limits?.address?.key ?? holdKey,
    limits?.holder?.key ?? holdKey,
    ...seatKeys,
    ...seatingKeys,
    args.holdId,
    args.tokenHash,
    args.holder,
    args.ttlMs,
    args.lifetimeMs,
    args.maxPerHolder,
    itemsJson(args.items, seating),
    units,
    idem ? '1' : '0',
    idem?.bodyHash ?? '',
    idem?.encryptedToken ?? '',
    idem?.ttlMs ?? 0,
    digest,
    args.salesWindow ? '1' : '0',
    args.loneSeats ?? DEFAULT_LONE_SEAT_RULE,
    limits?.address?.max ?? 0,
    limits?.holder?.max ?? 0,
    limits?.windowMs ?? 0,
  )
  if (reply[0] !== CODE.NOT_READY && reply[0] !== CODE.ABANDONED)
    limits?.counted?.(reply[0] === CODE.RATE_LIMITED && reply[1] === 'address' ? num(reply[3]) : undefined)
  switch (reply[0]) {
    case 1: {
      // A pick chose seats: the script answers the items as the hold keeps them.
      if (reply[3] !== undefined) {
        const json = String(reply[3])
        return {
          kind: 'created',
          createdAt: num(reply[1]),
          expiresAt: num(reply[2]),
          own: ownKeysOf(k, { hk: digest, i: json }),
          items: itemsFromJson(json),
        }
      }
      return {
        kind: 'created',
        createdAt: num(reply[1]),
        expiresAt: num(reply[2]),
        own: [holderIndex, ...seatKeys, ...seatingKeys],
        // No item was a pick (the script answers the items when one was): the request's items are Items.
        items: args.items as Item[],
      }
    }
    case 2:
      return {
        kind: 'replayed',
        holdId: String(reply[1]),
        encryptedToken: String(reply[2]),
        createdAt: num(reply[3]),
        expiresAt: num(reply[4]),
      }
    case CODE.EXPIRED_PENDING: {
      const refusal = refusalOf(reply.slice(1))
      if (refusal) return { kind: 'expiredPending', refusal }
      break
    }
    case CODE.NOT_READY:
      return { kind: 'notReady' }
    case CODE.SALES_NOT_OPEN:
      return { kind: 'salesNotOpen', opensAt: num(reply[1]) }
    case CODE.SALES_CLOSED:
      return { kind: 'salesClosed', reason: reply[1] === 'ended' ? 'ended' : 'closed' }
    case CODE.IDEMPOTENCY_REUSED:
      return { kind: 'idempotencyReused' }
    case CODE.RATE_LIMITED:
      return {
        kind: 'rateLimited',
        scope: reply[1] === 'holder' ? 'holder' : 'address',
        limit: num(reply[2]),
        windowMs: limits?.windowMs ?? 0,
        leftMs: num(reply[3]),
      }
    case CODE.ABANDONED:
      return { kind: 'abandoned' }
  }
  const refusal = refusalOf(reply)
  if (refusal) return refusal
  throw unexpectedReply('createHold', reply)
}
