import type { RedisClient } from '../client.js'
import type { EventKeys } from '../keys.js'
import { num } from './replies.js'

/** The scripts that free holds in bounded batches: expiry sweeps and bulk releases. */

export interface SweepReply {
  reclaimed: number
  /** The oldest expiry still in the index, or null when it is empty. */
  oldestExpiry: number | null
  /** Redis server time of the sweep, ms. */
  now: number
  /** More expired holds wait than one batch took: call again. */
  more: boolean
  /** Holds expired since the last sweep by any script, handed to this sweep alone. */
  expired: number
}

/** lua/sweepEvent-6.lua */
export async function sweepEvent(redis: RedisClient, k: EventKeys): Promise<SweepReply> {
  const reply = await redis.sweepEvent(6, ...k.shared)
  const oldest = num(reply[1])
  return {
    reclaimed: num(reply[0]),
    oldestExpiry: oldest < 0 ? null : oldest,
    now: num(reply[2]),
    more: num(reply[3]) === 1,
    expired: num(reply[4]),
  }
}

/** One batch of a holder's expired holds (lua/reclaimHolder-7.lua); `more` while others wait. */
export async function reclaimHolder(
  redis: RedisClient,
  k: EventKeys,
  args: { holder: string },
): Promise<{ more: boolean }> {
  const reply = await redis.reclaimHolder(7, ...k.shared, k.holder(args.holder))
  return { more: num(reply[0]) === 1 }
}

/**
 * One page of a holder's held holds released (lua/releaseHolder-7.lua): `holds` and their `own` keys are
 * the page as read just before; a hold of the page not declared is left for the next call.
 */
export async function releaseHolder(
  redis: RedisClient,
  k: EventKeys,
  args: { holderIndex: string; holds: readonly string[]; own: readonly string[] },
): Promise<{ released: number; more: boolean }> {
  const keys = [...k.shared, args.holderIndex, ...args.holds.map((id) => k.hold(id)), ...args.own]
  const reply = await redis.releaseHolder(keys.length, ...keys)
  return { released: num(reply[0]), more: num(reply[1]) === 1 }
}
