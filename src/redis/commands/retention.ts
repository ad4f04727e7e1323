import type { RedisClient } from '../client.js'
import type { EventKeys } from '../keys.js'
import { SCRIPT_CODE as CODE } from '../script-codes.js'
import { num, unexpectedReply } from './replies.js'

/** The two steps of removing an event's state (see eviction.ts). */

/**
 * Step 1 (lua/retireEvent-4.lua): out of service under `token`, unless something still lives in it
 * (`force`: whatever lives in it).
 */
export async function retireEvent(
  redis: RedisClient,
  k: EventKeys,
  args: { token: string; force?: boolean },
): Promise<'retired' | 'busy'> {
  const reply = await redis.retireEvent(
    4,
    k.meta,
    k.expiry,
    k.confirming,
    k.watched,
    args.token,
    args.force === true ? '1' : '0',
  )
  if (reply[0] === 1) return 'retired'
  if (reply[0] === CODE.EVENT_BUSY) return 'busy'
  throw unexpectedReply('retireEvent', reply)
}

/**
 * Step 2 (lua/dropEventKeys-1.lua): one page of keys deleted while `token` still owns the event (meta
 * too on the last page); `owned` false when a rebuild took the event back.
 */
export async function dropEventKeys(
  redis: RedisClient,
  k: EventKeys,
  args: { token: string; keys: readonly string[]; last: boolean },
): Promise<{ owned: boolean; deleted: number }> {
  const reply = await redis.dropEventKeys(
    1 + args.keys.length,
    k.meta,
    ...args.keys,
    args.token,
    args.last ? '1' : '0',
  )
  return { owned: reply[0] === 1, deleted: num(reply[1] ?? 0) }
}
