import type { RedisClient } from '../client.js'
import type { EventKeys } from '../keys.js'
import { SCRIPT_CODE as CODE } from '../script-codes.js'
import { unexpectedReply } from './replies.js'

/**
 * What finalising did to one hold: sold now, sold before, or the hold Redis no longer has (unknown, or
 * freed first); keysChanged: left untouched because its own keys were not declared (read again).
 */
export type FinaliseOutcome =
  'finalised' | 'alreadyConfirmed' | 'unknown' | 'released' | 'expired' | 'keysChanged'

const OUTCOMES = new Map<unknown, FinaliseOutcome>([
  [1, 'finalised'],
  [0, 'alreadyConfirmed'],
  [CODE.HOLD_UNKNOWN, 'unknown'],
  [CODE.HOLD_RELEASED, 'released'],
  [CODE.HOLD_EXPIRED, 'expired'],
  [CODE.KEYS_CHANGED, 'keysChanged'],
])

export interface FinaliseArgs {
  holds: readonly { holdId: string; reservationId: string }[]
  /** The holds' own keys as read before the call (ownKeysOf), all together. */
  own: string[]
  /** How long Redis keeps a confirmed hold. */
  keepMs: number
}

/** Confirm, step 3, for holds of one event (lua/finaliseHolds-6.lua): an outcome per hold, in order. */
export async function finaliseHolds(
  redis: RedisClient,
  k: EventKeys,
  args: FinaliseArgs,
): Promise<FinaliseOutcome[]> {
  const keys = [...k.shared]
  const argv: (string | number)[] = [args.keepMs]
  for (const { holdId, reservationId } of args.holds) {
    keys.push(k.hold(holdId))
    argv.push(holdId, reservationId)
  }
  for (const key of args.own) keys.push(key)
  const reply = await redis.finaliseHolds(keys.length, ...keys, ...argv)
  if (reply.length !== args.holds.length) throw unexpectedReply('finaliseHolds', reply)
  return reply.map((code) => {
    const outcome = OUTCOMES.get(code)
    if (outcome === undefined) throw unexpectedReply('finaliseHolds', reply)
    return outcome
  })
}
