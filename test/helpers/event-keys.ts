import type { RedisClient } from '../../src/redis/client.js'
import { EventKeys } from '../../src/redis/keys.js'

/** Every key of the event's hash tag (one SCAN over the whole keyspace): what tests expect gone or left. */
export async function eventKeys(redis: RedisClient, prefix: string, eventId: string): Promise<string[]> {
  const pattern = `${new EventKeys(prefix, eventId).base}:*`
  const found: string[] = []
  let cursor = '0'
  do {
    const [next, keys] = await (redis as import('ioredis').Redis).scan(
      cursor,
      'MATCH',
      pattern,
      'COUNT',
      1000,
    )
    cursor = next
    found.push(...keys)
  } while (cursor !== '0')
  return found
}
