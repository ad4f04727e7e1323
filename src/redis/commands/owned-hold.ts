import type { HoldAuth, HoldStatus } from '../../domain/hold.js'
import type { Item } from '../../domain/items.js'
import type { RedisClient } from '../client.js'
import type { EventKeys } from '../keys.js'
import { SCRIPT_CODE as CODE } from '../script-codes.js'
import type { ScriptReply } from '../scripts.js'
import { itemsFromJson } from './items.js'
import { num, unexpectedReply } from './replies.js'

/**
 * The scripts acting on one known hold (lua/getHold, extendHold, releaseHold, pinHold, unpinHold,
 * abandonHold): the event's shared keys, the hold's key, then (except getHold) the hold's own keys as
 * the caller read them (`own`, see ownKeysOf); the hold id is passed, never parsed from a key.
 */

export interface StoredHold {
  holder: string
  items: Item[]
  status: HoldStatus
  createdAt: number
  expiresAt: number
  reservationId: string | null
  now: number
}

/** Why a token-checked script would not act on a hold. */
export type HoldRefusalReason =
  'unknown' | 'released' | 'expired' | 'confirmed' | 'confirming' | 'tokenInvalid'

export type HoldRefused = { kind: 'refused'; reason: HoldRefusalReason }
/** The hold's own keys were not the ones declared (it changed after the caller's read): read again. */
export type KeysChanged = { kind: 'keysChanged' }

const REASONS = new Map<number, HoldRefusalReason>([
  [CODE.HOLD_UNKNOWN, 'unknown'],
  [CODE.HOLD_RELEASED, 'released'],
  [CODE.HOLD_EXPIRED, 'expired'],
  [CODE.HOLD_CONFIRMED, 'confirmed'],
  [CODE.HOLD_CONFIRMING, 'confirming'],
  [CODE.TOKEN_INVALID, 'tokenInvalid'],
])

const KEYS_CHANGED: KeysChanged = { kind: 'keysChanged' }

/** A refusal or keys-changed reply decoded; anything else is a bug. */
function notActed(script: string, reply: ScriptReply): HoldRefused | KeysChanged {
  if (reply[0] === CODE.KEYS_CHANGED) return KEYS_CHANGED
  const reason = REASONS.get(num(reply[0]))
  if (reason === undefined) throw unexpectedReply(script, reply)
  return { kind: 'refused', reason }
}

function hold(holdId: string, auth: HoldAuth): [string, string, string] {
  return [holdId, auth.tokenHash, auth.admin ? '1' : '0']
}

/** { 1, status, holder, itemsJSON, createdAt, expiresAt, reservationId or "", now } */
function storedHold(reply: ScriptReply): StoredHold {
  return {
    status: reply[1] as HoldStatus,
    holder: String(reply[2]),
    items: itemsFromJson(String(reply[3])),
    createdAt: num(reply[4]),
    expiresAt: num(reply[5]),
    reservationId: reply[6] ? String(reply[6]) : null,
    now: num(reply[7]),
  }
}

export async function getHold(
  redis: RedisClient,
  k: EventKeys,
  args: { holdId: string; auth: HoldAuth },
): Promise<{ kind: 'hold'; hold: StoredHold } | HoldRefused> {
  const reply = await redis.getHold(7, ...k.shared, k.hold(args.holdId), ...hold(args.holdId, args.auth))
  if (reply[0] === 1) return { kind: 'hold', hold: storedHold(reply) }
  const refused = notActed('getHold', reply)
  if (refused.kind === 'keysChanged') throw unexpectedReply('getHold', reply)
  return refused
}

export async function extendHold(
  redis: RedisClient,
  k: EventKeys,
  args: { holdId: string; own: string[]; auth: HoldAuth; ttlMs: number; lifetimeMs: number },
): Promise<{ kind: 'extended'; hold: StoredHold } | HoldRefused | KeysChanged> {
  const reply = await redis.extendHold(
    7 + args.own.length,
    ...k.shared,
    k.hold(args.holdId),
    ...args.own,
    ...hold(args.holdId, args.auth),
    args.ttlMs,
    args.lifetimeMs,
  )
  return reply[0] === 1 ? { kind: 'extended', hold: storedHold(reply) } : notActed('extendHold', reply)
}

export async function releaseHold(
  redis: RedisClient,
  k: EventKeys,
  args: { holdId: string; own: string[]; auth: HoldAuth },
): Promise<{ kind: 'released' } | HoldRefused | KeysChanged> {
  const reply = await redis.releaseHold(
    7 + args.own.length,
    ...k.shared,
    k.hold(args.holdId),
    ...args.own,
    ...hold(args.holdId, args.auth),
  )
  return reply[0] === 1 ? { kind: 'released' } : notActed('releaseHold', reply)
}

export type PinReply =
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
  /** Over the client address's hold-actions limit (counted by the pin itself); nothing was done. */
  | { kind: 'rateLimited'; limit: number; windowMs: number; leftMs: number }

/**
 * The confirm's hold-actions limit, counted by its pin script on one Redis (plugins/rate-limits.ts): the
 * client address's counter, the requests it allows per window, and whom to tell once it was counted.
 */
export interface ActionsCounter {
  key: string
  max: number
  windowMs: number
  counted: () => void
}

/** Confirm, step 1 (lua/pinHold-8.lua). */
export async function pinHold(
  redis: RedisClient,
  k: EventKeys,
  args: {
    holdId: string
    own: string[]
    auth: HoldAuth
    reservationId: string
    graceMs: number
    actions?: ActionsCounter | undefined
  },
): Promise<PinReply | HoldRefused | KeysChanged> {
  const holdKey = k.hold(args.holdId)
  const { actions } = args
  const reply = await redis.pinHold(
    8 + args.own.length,
    ...k.shared,
    holdKey,
    // A counter not counted is never read: the hold's key stands in for it.
    actions?.key ?? holdKey,
    ...args.own,
    ...hold(args.holdId, args.auth),
    args.reservationId,
    args.graceMs,
    actions?.max ?? 0,
    actions?.windowMs ?? 0,
  )
  if (reply[0] !== CODE.KEYS_CHANGED) actions?.counted()
  if (reply[0] === 3) return { kind: 'confirmed', reservationId: String(reply[1]) }
  if (reply[0] === CODE.RATE_LIMITED)
    return {
      kind: 'rateLimited',
      limit: num(reply[2]),
      windowMs: actions?.windowMs ?? 0,
      leftMs: num(reply[3]),
    }
  if (reply[0] !== 2) return notActed('pinHold', reply)
  return {
    kind: 'pinned',
    reservationId: String(reply[1]),
    holder: String(reply[2]),
    items: itemsFromJson(String(reply[3])),
    createdAt: num(reply[4]),
    expiresAt: num(reply[5]),
    tokenHash: String(reply[6]),
  }
}

/** A reply whose first value names what the script did, one of `kinds`, or KEYS_CHANGED. */
function didOf<K extends string>(
  script: string,
  reply: ScriptReply,
  kinds: Readonly<Record<number, K>>,
): { kind: K } | KeysChanged {
  if (reply[0] === CODE.KEYS_CHANGED) return KEYS_CHANGED
  const kind = kinds[num(reply[0])]
  if (kind === undefined) throw unexpectedReply(script, reply)
  return { kind }
}

export type UnpinReply = { kind: 'heldAgain' | 'freed' | 'notPinned' } | KeysChanged

/** The reconciler gives a pinned hold back (lua/unpinHold-7.lua): held again, or freed as expired. */
export async function unpinHold(
  redis: RedisClient,
  k: EventKeys,
  args: { holdId: string; own: string[] },
): Promise<UnpinReply> {
  const keys = [...k.shared, k.hold(args.holdId), ...args.own]
  const reply = await redis.unpinHold(keys.length, ...keys, args.holdId)
  return didOf('unpinHold', reply, { 1: 'heldAgain', 2: 'freed', 0: 'notPinned' })
}

export type AbandonReply = { kind: 'tombstone' | 'released' | 'nothing' } | KeysChanged

/** Undoes a create whose call timed out (lua/abandonHold-7.lua). */
export async function abandonHold(
  redis: RedisClient,
  k: EventKeys,
  args: { holdId: string; own: string[] },
): Promise<AbandonReply> {
  const keys = [...k.shared, k.hold(args.holdId), ...args.own]
  const reply = await redis.abandonHold(keys.length, ...keys, args.holdId)
  return didOf('abandonHold', reply, { 1: 'tombstone', 2: 'released', 0: 'nothing' })
}
