import type { BlockedSeat, UnblockableStatus } from '../../domain/seat-block.js'
import { seatsBySection } from '../../domain/seat-block.js'
import type { RedisClient } from '../client.js'
import type { EventKeys } from '../keys.js'
import { SCRIPT_CODE as CODE } from '../script-codes.js'
import type { SeatingOf } from '../../domain/loaded-event.js'
import { itemsJson, seatingKeysOf, seatKeysOf } from './items.js'
import { num, unexpectedReply } from './replies.js'

/** The scripts that block seats and end blocks (lua/blockSeats-7.lua, lua/freeBlock-7.lua). */

const STATUS: Readonly<Record<string, UnblockableStatus>> = { h: 'held', s: 'sold', b: 'blocked' }

export type BlockReply =
  | { kind: 'blocked'; seats: number }
  | { kind: 'refused'; seats: (BlockedSeat & { status: UnblockableStatus })[] }
  | { kind: 'notReady' }

/**
 * The block's seats as items (with their places in sections given as rows), their seat keys in the same
 * order, then the seating keys of those sections: a block takes seats from best-available picks and its
 * end gives them back, so both scripts keep the sections' occupancy structure true.
 */
function itemsOf(k: EventKeys, seats: readonly BlockedSeat[], seating: SeatingOf) {
  const items = seatsBySection(seats)
  return {
    json: itemsJson(items, seating),
    keys: [...seatKeysOf(k, items), ...seatingKeysOf(k, items, seating)],
  }
}

/** Blocks every seat or none. `releaseAt`: ms, for an allocation that goes back on sale by itself. */
export async function blockSeats(
  redis: RedisClient,
  k: EventKeys,
  args: { blockId: string; seats: readonly BlockedSeat[]; releaseAt: number | null; seating: SeatingOf },
): Promise<BlockReply> {
  const { json, keys } = itemsOf(k, args.seats, args.seating)
  const reply = await redis.blockSeats(
    7 + keys.length,
    ...k.shared,
    k.releases,
    ...keys,
    args.blockId,
    args.releaseAt ?? '',
    json,
  )
  switch (reply[0]) {
    case 1:
      return { kind: 'blocked', seats: num(reply[1]) }
    case CODE.NOT_READY:
      return { kind: 'notReady' }
    case CODE.SEATS_TAKEN: {
      const seats: (BlockedSeat & { status: UnblockableStatus })[] = []
      for (let i = 1; i + 2 < reply.length; i += 3)
        seats.push({
          section: String(reply[i]),
          seat: String(reply[i + 1]),
          status: STATUS[String(reply[i + 2])] ?? 'held',
        })
      return { kind: 'refused', seats }
    }
  }
  throw unexpectedReply('blockSeats', reply)
}

export type FreeBlockReply =
  /** This call ended the block (for a release: the one call that took it from the release index). */
  | { kind: 'freed'; seats: number }
  /** A release not due, or taken already. */
  | { kind: 'notDue' }
  | { kind: 'notReady' }

/** Ends a block: `unblock` at once, `release` only when due and only once. */
export async function freeBlock(
  redis: RedisClient,
  k: EventKeys,
  args: { blockId: string; seats: readonly BlockedSeat[]; how: 'unblock' | 'release'; seating: SeatingOf },
): Promise<FreeBlockReply> {
  const { json, keys } = itemsOf(k, args.seats, args.seating)
  const reply = await redis.freeBlock(
    7 + keys.length,
    ...k.shared,
    k.releases,
    ...keys,
    args.blockId,
    args.how,
    json,
  )
  switch (reply[0]) {
    case 1:
      return { kind: 'freed', seats: num(reply[1]) }
    case 0:
      return { kind: 'notDue' }
    case CODE.NOT_READY:
      return { kind: 'notReady' }
  }
  throw unexpectedReply('freeBlock', reply)
}
