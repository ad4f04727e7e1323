import type { Redis } from 'ioredis'
import type { RedisClient } from '../../src/redis/client.js'
import { EventKeys } from '../../src/redis/keys.js'

/** Every key matching a pattern (one SCAN over the whole keyspace of a single Redis). */
async function keysMatching(redis: RedisClient, pattern: string): Promise<string[]> {
  const found: string[] = []
  let cursor = '0'
  do {
    const [next, keys] = await (redis as Redis).scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
    cursor = next
    found.push(...keys)
  } while (cursor !== '0')
  return found
}

/** Every key of the event's hash tag: what tests expect gone or left. */
export function eventKeys(redis: RedisClient, prefix: string, eventId: string): Promise<string[]> {
  return keysMatching(redis, `${new EventKeys(prefix, eventId).base}:*`)
}

/** Deletes every key of an app's prefix: Redis lost everything it knew. */
export async function wipePrefix(redis: RedisClient, prefix: string): Promise<void> {
  const keys = await keysMatching(redis, `${prefix}:*`)
  for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000))
}
