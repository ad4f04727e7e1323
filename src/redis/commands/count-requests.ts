import type { RedisClient } from '../client.js'
import { num } from './replies.js'

export interface CounterAdd {
  key: string
  /** Requests counted by this call. */
  n: number
  windowMs: number
}

/**
 * Adds requests to rate-limit counters in one call (lua/countRequests-0.lua): per counter, in the order
 * given, the count after them and the ms left in its window. The keys must share a slot on a Cluster.
 */
export async function countRequests(
  redis: RedisClient,
  adds: readonly CounterAdd[],
): Promise<{ count: number; leftMs: number }[]> {
  const reply = await redis.countRequests(
    adds.length,
    ...adds.map((a) => a.key),
    ...adds.flatMap((a) => [a.n, a.windowMs]),
  )
  return adds.map((_, i) => ({ count: num(reply[2 * i]), leftMs: num(reply[2 * i + 1]) }))
}
