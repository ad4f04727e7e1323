import { buildApp } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import type { Config } from './config.js'
import { connectLedger } from './ledger/select.js'
import type { Ledger } from './ledger/port.js'
import { loggerOptions } from './lib/log-options.js'
import { connectRedis, createRedis } from './redis/client.js'
import type { RedisClient } from './redis/client.js'
import type { Services } from './services/container.js'

const SHUTDOWN_LIMIT_MS = 10_000

/** Start-up failures print one line and exit non-zero: no stack traces, no retry loop. */
function fail(message: string): never {
  process.stderr.write(`seatlock: ${message}\n`)
  process.exit(1)
}

function describeRedis(config: Config): string {
  return config.redisClusterNodes.length > 0
    ? `Redis Cluster ${config.redisClusterNodes.map((n) => `${n.host}:${n.port}`).join(',')}`
    : `Redis at ${config.redisUrl.replace(/\/\/[^@/]*@/, '//***@')}`
}

async function openRedis(config: Config): Promise<RedisClient> {
  const redis = createRedis(config, 'seatlock')
  // Until connected, ioredis reports each failed attempt; start-up reports once, below.
  const quiet = () => undefined
  redis.on('error', quiet)
  try {
    await connectRedis(redis)
  } catch (error) {
    redis.disconnect()
    fail(
      `cannot reach ${describeRedis(config)} (${(error as Error).message}); start one with "docker compose up -d redis"`,
    )
  }
  return redis
}

async function createDemoEvent(
  services: Services,
  baseUrl: string,
  log: (msg: string) => void,
): Promise<void> {
  if ((await services.events.countEvents()) > 0) return
  const rows = ['A', 'B', 'C', 'D']
  await services.events.create({
    id: 'demo',
    name: 'seatlock demo night',
    startsAt: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    currency: 'EUR',
    sections: [
      {
        id: 'stalls',
        name: 'Stalls',
        price: 4500,
        seats: rows.flatMap((r) => Array.from({ length: 10 }, (_, i) => `${r}${i + 1}`)),
      },
      { id: 'standing', name: 'Standing', price: 2000, capacity: 200 },
      // Given as rows, so best-available holds ({"section":"circle","quantity":4,"together":true}) work.
      {
        id: 'circle',
        name: 'Circle',
        price: 3500,
        rows: rows.map((row) => ({ row, seats: '1-12' })),
      },
    ],
  })
  log(
    `demo event created; try: curl -s -X POST ${baseUrl}/v1/events/demo/holds -H 'content-type: application/json' ` +
      `-d '{"holder":"me","items":[{"section":"stalls","seats":["A1","A2"]}]}'`,
  )
}

async function main(): Promise<void> {
  let config: Config
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) fail(`configuration: ${error.message}`)
    throw error
  }

  const redis = await openRedis(config)
  let ledger: Ledger
  try {
    ledger = await connectLedger(config, (msg) => process.stdout.write(`seatlock: ${msg}\n`))
  } catch (error) {
    redis.disconnect()
    fail((error as Error).message)
  }

  const logger = loggerOptions(config.logLevel, config.production)
  const { app, services } = await buildApp({ config, redis, ledger, logger })
  redis.removeAllListeners('error')
  redis.on('error', (error: Error) => app.log.warn({ err: error.message }, 'redis connection error'))

  if (config.adminTokenGenerated) {
    // Printed whatever LOG_LEVEL is: without it nobody could use the admin routes.
    process.stdout.write(`seatlock: ADMIN_TOKEN not set; generated one for this run: ${config.adminToken}\n`)
  }
  app.log.info(`ledger: ${ledger.kind}; hold store: ${describeRedis(config)}`)

  let closing = false
  /**
   * Graceful close, bounded by SHUTDOWN_LIMIT_MS. app.close() stops accepting connections, ends the
   * change streams (their plugin's preClose hook), lets requests in flight finish (confirms included;
   * see plugins/drain.ts), then stops the jobs, releasing their locks so another instance takes over at
   * once, and the subscribers. Then the ledger and Redis connections close. A second signal exits at once.
   */
  const shutdown = async (signal: string) => {
    if (closing) {
      app.log.warn(`${signal} received again, exiting now`)
      process.exit(1)
    }
    closing = true
    const started = Date.now()
    app.log.info(`${signal} received, closing (at most ${SHUTDOWN_LIMIT_MS} ms)`)
    const force = setTimeout(() => {
      app.log.error('shutdown took too long, exiting')
      process.exit(1)
    }, SHUTDOWN_LIMIT_MS)
    force.unref()
    let clean = true
    const step = async (name: string, work: () => Promise<unknown>) => {
      try {
        await work()
      } catch (error) {
        clean = false
        app.log.error({ err: (error as Error).message }, `shutdown: closing the ${name} failed`)
      }
    }
    await step('server', () => app.close())
    await step('ledger', () => ledger.close())
    await step('Redis connection', () => redis.quit().catch(() => redis.disconnect()))
    clearTimeout(force)
    app.log.info(`closed in ${Date.now() - started} ms`)
    process.exit(clean ? 0 : 1)
  }
  process.on('SIGINT', () => void shutdown('SIGINT'))
  process.on('SIGTERM', () => void shutdown('SIGTERM'))

  let address: string
  try {
    // A rush opens thousands of connections at once; the default backlog (511) drops them into 1 s retries.
    address = await app.listen({ port: config.port, host: config.host, backlog: 4096 })
  } catch (error) {
    fail(`cannot listen on ${config.host}:${config.port} (${(error as Error).message})`)
  }
  // Plain lines whatever LOG_LEVEL is: operators and scripts wait for them and copy the curl line.
  const say = (msg: string) => process.stdout.write(`seatlock: ${msg}\n`)
  say(`listening on ${address}`)
  if (!config.production) {
    await createDemoEvent(services, address.replace('://0.0.0.0:', '://127.0.0.1:'), say).catch(
      (error: Error) => app.log.warn(`demo event not created: ${error.message}`),
    )
  }
}

await main()
