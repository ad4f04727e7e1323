import type { Test } from 'tap'
import type { Config } from '../../src/config.js'
import { connectRedis, createRedis } from '../../src/redis/client.js'
import type { RedisClient } from '../../src/redis/client.js'
import { testConfig } from './app.js'

/**
 * A service Redis client (the service's own settings: command timeouts, write batching, scripts), connected,
 * its errors left to the test's assertions, and disconnected at teardown.
 */
export async function connectedRedis(
  t: Test,
  name: string,
  config: Pick<Config, 'redisUrl' | 'redisClusterNodes'> = testConfig(),
  commandTimeoutMs?: number,
): Promise<RedisClient> {
  const redis = createRedis(config, name, commandTimeoutMs)
  redis.on('error', () => undefined)
  await connectRedis(redis)
  t.teardown(() => redis.disconnect())
  return redis
}
