import { randomBytes } from 'node:crypto'
import type { Test } from 'tap'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import type { AppDependencies } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import type { Config } from '../../src/config.js'
import type { Ledger } from '../../src/ledger/port.js'
import { connectRedis, createRedis } from '../../src/redis/client.js'
import type { RedisClient } from '../../src/redis/client.js'
import type { Services } from '../../src/services/container.js'
import { ledgerTargets, openLedger } from './ledgers.js'
import type { LedgerTarget } from './ledgers.js'

export const ADMIN_TOKEN = 'test-admin-token-0123456789'
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

export interface TestApp {
  app: FastifyInstance
  services: Services
  config: Config
  redis: RedisClient
  ledger: Ledger
  /** http://127.0.0.1:<port> of a real listening socket. */
  url: string
  request(method: string, path: string, options?: RequestOptions): Promise<TestResponse>
}

export interface RequestOptions {
  body?: unknown
  /** A raw body sent as is (for malformed JSON tests). */
  raw?: string
  token?: string
  admin?: boolean
  headers?: Record<string, string>
}

export interface TestResponse {
  status: number
  headers: Headers
  // Tests read fields of whatever came back; assertions check the shapes.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any
}

export function uniqueId(label: string): string {
  return `${label}-${randomBytes(5).toString('hex')}`
}

/** A test config: a key prefix of its own so test files sharing one Redis never meet. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({ ADMIN_TOKEN, LOG_LEVEL: 'silent', REDIS_URL: TEST_REDIS_URL }),
    port: 0,
    // Every test client is 127.0.0.1: rate limits are off unless a test sets them (test/rate-limits.test.ts).
    rateLimits: { holdsPerAddress: 0, holdsPerHolder: 0, holdActionsPerAddress: 0 },
    keyPrefix: `t${randomBytes(4).toString('hex')}`,
    ...overrides,
  }
}

export async function request(baseUrl: string, method: string, path: string, options: RequestOptions = {}) {
  const headers: Record<string, string> = { ...options.headers }
  if (options.token) headers['hold-token'] = options.token
  if (options.admin) headers.authorization = `Bearer ${ADMIN_TOKEN}`
  let body: string | undefined
  if (options.raw !== undefined) body = options.raw
  else if (options.body !== undefined) body = JSON.stringify(options.body)
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
    headers['content-type'] = 'application/json'
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body })
  const text = await response.text()
  let parsed: unknown = text
  try {
    parsed = text ? JSON.parse(text) : null
  } catch {
    // not JSON (e.g. /metrics); tests compare the text
  }
  return { status: response.status, headers: response.headers, body: parsed } as TestResponse
}

/** Starts the real service on a free port against real Redis and the given ledger. Closed at teardown. */
export async function startApp(
  t: Test,
  ledger: Ledger,
  overrides: Partial<Config> = {},
  redisOverride?: RedisClient,
  extra: Partial<
    Pick<
      AppDependencies,
      | 'confirmGraceMs'
      | 'jobs'
      | 'streams'
      | 'logger'
      | 'soldOut'
      | 'http'
      | 'retentionIntervalMs'
      | 'reconcileIntervalMs'
      | 'activeEvents'
      | 'lockTtlMs'
      | 'limitCheckTimeoutMs'
      | 'limitBreakerMs'
    >
  > = {},
): Promise<TestApp> {
  const config = testConfig(overrides)
  const redis = redisOverride ?? createRedis(config, 'seatlock-test')
  redis.on('error', () => undefined)
  if (!redisOverride) await connectRedis(redis)
  const { app, services } = await buildApp({ config, redis, ledger, logger: false, ...extra })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  t.teardown(async () => {
    await app.close()
    if (!redisOverride) redis.disconnect()
  })
  return {
    app,
    services,
    config,
    redis,
    ledger,
    url,
    request: (method, path, options) => request(url, method, path, options),
  }
}

/** Runs `body` once per ledger adapter (MongoDB skipped, with its reason, where none runs). */
export async function eachLedger(
  t: Test,
  name: string,
  body: (t: Test, ledger: Ledger, target: LedgerTarget) => Promise<void>,
): Promise<void> {
  for (const target of await ledgerTargets(t)) {
    await t.test(`${name} [${target.name}]`, { skip: target.skip }, async (t) => {
      const ledger = await openLedger(t, target)
      await body(t, ledger, target)
    })
  }
}

export interface EventSpec {
  seated?: Record<string, string[]>
  ga?: Record<string, number>
  price?: number
}

/** Creates an event through the API (admin) and returns its id. */
export async function createEvent(api: TestApp, spec: EventSpec): Promise<string> {
  const id = uniqueId('ev')
  const sections = [
    ...Object.entries(spec.seated ?? {}).map(([sid, seats]) => ({
      id: sid,
      name: sid,
      price: spec.price ?? 1000,
      seats,
    })),
    ...Object.entries(spec.ga ?? {}).map(([sid, capacity]) => ({
      id: sid,
      name: sid,
      price: spec.price ?? 500,
      capacity,
    })),
  ]
  const res = await api.request('POST', '/v1/events', {
    admin: true,
    body: { id, name: `Event ${id}`, sections },
  })
  if (res.status !== 201) throw new Error(`event creation failed: ${res.status} ${JSON.stringify(res.body)}`)
  return id
}

export function seats(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`)
}

/** available + held + sold + blocked = capacity for every section, and no negative count. */
export async function assertCountsConsistent(t: Test, api: TestApp, eventId: string): Promise<void> {
  const res = await api.request('GET', `/v1/events/${eventId}`)
  t.equal(res.status, 200, 'event readable')
  for (const s of res.body.sections as {
    id: string
    capacity: number
    available: number
    held: number
    sold: number
    blocked: number
  }[]) {
    t.equal(
      s.available + s.held + s.sold + s.blocked,
      s.capacity,
      `section ${s.id}: available + held + sold + blocked = capacity`,
    )
    t.ok(
      s.available >= 0 && s.held >= 0 && s.sold >= 0 && s.blocked >= 0,
      `section ${s.id}: no negative count`,
    )
  }
}
