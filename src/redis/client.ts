import type { Socket } from 'node:net'
import { Cluster, Redis } from 'ioredis'
import type { RedisOptions } from 'ioredis'
import type { Config } from '../config.js'
import { timeCommands } from './command-timeouts.js'
import { defineScripts } from './scripts.js'
import { batchWrites } from './write-batching.js'

export type RedisClient = Redis | Cluster

/** A command Redis has not answered this long after it was written is refused (see command-timeouts.ts). */
export const COMMAND_TIMEOUT_MS = 1000

/**
 * Fail fast: no offline queue (a command while disconnected rejects at once and the route answers 503)
 * and a command timeout (ours, not ioredis's `commandTimeout`: see command-timeouts.ts), so a request
 * never waits behind a dead connection. Reconnects forever, so the service recovers without a restart.
 */
const FAIL_FAST: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  connectTimeout: 1000,
  retryStrategy: (attempt: number) => Math.min(50 * attempt, 1000),
}

export function createRedis(
  config: Pick<Config, 'redisUrl' | 'redisClusterNodes'>,
  name: string,
  commandTimeoutMs = COMMAND_TIMEOUT_MS,
): RedisClient {
  const client =
    config.redisClusterNodes.length > 0
      ? new Cluster(config.redisClusterNodes, {
          enableOfflineQueue: false,
          scaleReads: 'master',
          clusterRetryStrategy: (attempt: number) => Math.min(100 * attempt, 1000),
          redisOptions: { ...FAIL_FAST, connectionName: name },
        })
      : new Redis(config.redisUrl, { ...FAIL_FAST, connectionName: name, lazyConnect: true })
  // Each connection (a reconnect makes a new socket) sends the commands of one event-loop turn together;
  // each client times its commands from then.
  if (client instanceof Redis) {
    timeCommands(client, commandTimeoutMs)
    client.on('connect', () => batchWrites(client.stream as Socket))
  } else {
    client.on('+node', (node: Redis) => {
      timeCommands(node, commandTimeoutMs)
      node.on('connect', () => batchWrites(node.stream as Socket))
    })
  }
  defineScripts(client)
  return client
}

/** Connects (or waits for the cluster to be ready) and checks a round trip; rejects with a one-line reason. */
export async function connectRedis(client: RedisClient, timeoutMs = 3000): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
  })
  const ready = (async () => {
    if (client instanceof Redis) {
      if (client.status === 'wait') await client.connect()
    } else if (client.status !== 'ready') {
      await new Promise<void>((resolve, reject) => {
        client.once('ready', resolve)
        client.once('error', reject)
      })
    }
    await client.ping()
  })()
  try {
    await Promise.race([ready, timeout])
  } finally {
    clearTimeout(timer)
  }
}
