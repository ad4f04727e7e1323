import type { RedisClient } from '../client.js'
import { num } from './replies.js'

/**
 * Adds `n` requests to a rate-limit counter (lua/countRequests-1.lua): the count after them, and the ms
 * left in the counter's window.
 */
export async function countRequests(
  redis: RedisClient,
  args: { key: string; n: number; windowMs: number },
): Promise<{ count: number; leftMs: number }> {
  const reply = await redis.countRequests(1, args.key, args.n, args.windowMs)
  return { count: num(reply[0]), leftMs: num(reply[1]) }
}
