/**
 * Rate limits on the hold routes (plugins/rate-limits.ts): counted in Redis, so two API instances share
 * one budget; 429 RATE_LIMITED in the contract's error shape with Retry-After; X-Forwarded-For counts only
 * with TRUST_PROXY; and a Redis that is frozen or gone never turns into 429s or 500s (limits fail open).
 */
import { connect } from 'node:net'
import t from 'tap'
import type { Test } from 'tap'
import type { Config } from '../src/config.js'
import { SharedCounter } from '../src/plugins/rate-limit-counter.js'
import { blockLoop, nextTurn } from './helpers/busy-loop.js'
import { connectedRedis } from './helpers/connected-redis.js'
import { addressKey } from '../src/plugins/rate-limits.js'
import { createEvent, startApp, testConfig, uniqueId } from './helpers/app.js'
import type { TestApp } from './helpers/app.js'
import { eventually } from './helpers/eventually.js'
import { openLedger, postgresTarget } from './helpers/ledgers.js'
import { startRedisCluster } from './helpers/redis-cluster.js'
import { RedisServer } from './helpers/redis-server.js'
import { TcpProxy } from './helpers/tcp-proxy.js'

const OFF = { holdsPerAddress: 0, holdsPerHolder: 0, holdActionsPerAddress: 0 }

function limits(overrides: Partial<Config['rateLimits']>): Partial<Config> {
  return { rateLimits: { ...OFF, ...overrides } }
}

async function hold(api: TestApp, eventId: string, holder: string, headers: Record<string, string> = {}) {
  return api.request('POST', `/v1/events/${eventId}/holds`, {
    body: { holder, items: [{ section: 'g', quantity: 1 }] },
    headers,
  })
}

function assertLimited(t: Test, res: Awaited<ReturnType<typeof hold>>, scope: string): void {
  t.equal(res.status, 429, `429 (${scope})`)
  t.same(
    Object.keys(res.body as object).sort(),
    ['code', 'details', 'error', 'message', 'statusCode'],
    'the contract error shape',
  )
  t.match(res.body, {
    statusCode: 429,
    code: 'RATE_LIMITED',
    error: 'Too Many Requests',
    message: String,
    details: { scope, windowSeconds: 60 },
  })
  const retryAfter = Number(res.headers.get('retry-after'))
  t.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${res.headers.get('retry-after')} s`)
}

/** Refused requests took nothing (`held` units are held), and an admin's hold is still taken. */
async function assertAdminUnlimited(t: Test, api: TestApp, eventId: string, held: number): Promise<void> {
  const view = await api.request('GET', `/v1/events/${eventId}`)
  t.equal(view.body.sections[0].held, held, 'refused requests took nothing')
  const admin = await api.request('POST', `/v1/events/${eventId}/holds`, {
    admin: true,
    body: { holder: 'box-office', items: [{ section: 'g', quantity: 1 }] },
  })
  t.equal(admin.status, 201, 'admin requests are not limited')
}

const ledger = await openLedger(t, await postgresTarget())

type ScriptName = 'countRequests' | 'createHold' | 'pinHold'

/** Counts, from now on, the calls the service makes of some of its scripts. */
function countCalls<N extends ScriptName>(api: TestApp, names: N[]): Record<N, number> {
  const calls = Object.fromEntries(names.map((name) => [name, 0])) as Record<N, number>
  for (const name of names) {
    const original = api.redis[name].bind(api.redis) as (...args: unknown[]) => unknown
    api.redis[name] = ((...args: unknown[]) => {
      calls[name]++
      return original(...args)
    }) as (typeof api.redis)[N]
  }
  return calls
}

/**
 * The tests of counting wait for Redis as long as it takes: with the production check timeout (100 ms) a
 * round trip slowed by a loaded machine opens the breaker, and the requests behind it pass unlimited, which
 * is the fail-open behaviour (tested last, with the production timeout) rather than a miscount.
 */
const COUNTING = { jobs: false, limitCheckTimeoutMs: 5000 }

/** Two instances of the service on one Redis and one key prefix, with these limits. */
async function twoInstances(t: Test, overrides: Partial<Config['rateLimits']>): Promise<[TestApp, TestApp]> {
  const a = await startApp(t, ledger, limits(overrides), undefined, COUNTING)
  const b = await startApp(
    t,
    ledger,
    { ...limits(overrides), keyPrefix: a.config.keyPrefix },
    undefined,
    COUNTING,
  )
  return [a, b]
}

t.test('per address: counted across two instances sharing Redis', async (t) => {
  const [a, b] = await twoInstances(t, { holdsPerAddress: 5 })
  const eventId = await createEvent(a, { ga: { g: 100 } })
  const answers = []
  for (let i = 0; i < 6; i++) answers.push(await hold(i % 2 === 0 ? a : b, eventId, `buyer-${i}`))
  t.same(
    answers.slice(0, 5).map((r) => r.status),
    [201, 201, 201, 201, 201],
    'five holds, alternating instances',
  )
  assertLimited(t, answers[5] as Awaited<ReturnType<typeof hold>>, 'address')
  t.equal((await hold(a, eventId, 'buyer-x')).status, 429, 'the first instance refuses too')
  await assertAdminUnlimited(t, a, eventId, 5)
})

t.test('concurrent holds from one address under a limit: exactly the limit passes', async (t) => {
  const api = await startApp(t, ledger, limits({ holdsPerAddress: 30 }), undefined, COUNTING)
  const eventId = await createEvent(api, { ga: { g: 1000 } })
  const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => hold(api, eventId, `crowd-${i}`)))
  const statuses = answers.map((r) => r.status)
  t.equal(statuses.filter((s) => s === 201).length, 30, 'exactly the limit was let through')
  t.equal(statuses.filter((s) => s === 429).length, 30, 'every other request refused')
  const view = await api.request('GET', `/v1/events/${eventId}`)
  t.equal(view.body.sections[0].held, 30, 'refused requests took nothing')
})

t.test('client addresses: an IPv6 client counted by its /64, an IPv4-mapped address as IPv4', async (t) => {
  t.equal(
    addressKey('2001:db8:1:2:aaaa::1'),
    addressKey('2001:db8:1:2:ffff:ffff:ffff:ffff'),
    'one /64, one key',
  )
  t.not(addressKey('2001:db8:1:2::1'), addressKey('2001:db8:1:3::1'), 'another /64, another key')
  t.equal(addressKey('::ffff:198.51.100.7'), '198.51.100.7')
  t.equal(addressKey('198.51.100.7'), '198.51.100.7')
})

/** Checks of counters in one turn; resolves with each check's place in its count. */
function checkAll(counter: SharedCounter, keys: string[]): Promise<{ current: number; ttl: number }[]> {
  return Promise.all(
    keys.map(
      (key) =>
        new Promise<{ current: number; ttl: number }>((resolve, reject) =>
          counter.incr(key, 60_000, (error, result) => (error || !result ? reject(error) : resolve(result))),
        ),
    ),
  )
}

t.test('the checks of one turn share one call, whatever their counter, each in its own place', async (t) => {
  const redis = await connectedRedis(t, 'seatlock-test-counter')
  let calls = 0
  const count = redis.countRequests.bind(redis)
  redis.countRequests = ((...args: Parameters<typeof count>) => {
    calls++
    return count(...args)
  }) as typeof count
  const counter = new SharedCounter(redis)
  const key = `t-counter-${uniqueId('k')}`
  const other = `${key}:other`
  t.teardown(() => redis.del(key, other))
  // Sixty checks of one counter and twenty of another, in one tick: one Redis call.
  const results = await checkAll(counter, [
    ...Array.from({ length: 60 }, () => key),
    ...Array.from({ length: 20 }, () => other),
  ])
  t.equal(calls, 1, '80 checks of 2 counters, 1 Redis call')
  t.same(
    results.map((r) => r.current),
    [...Array.from({ length: 60 }, (_, i) => i + 1), ...Array.from({ length: 20 }, (_, i) => i + 1)],
    'each check has its own place in its count, in arrival order',
  )
  t.ok(
    results.every((r) => r.ttl > 0 && r.ttl <= 60_000),
    'and the window left',
  )
  t.same(await redis.mget(key, other), ['60', '20'], 'Redis counted every check')
  t.equal((await redis.pttl(key)) > 0, true, 'the window expires')

  // Two turns back to back: the second call goes without waiting for the first, and counts after it.
  const first = checkAll(counter, [key, key])
  await new Promise((resolve) => setImmediate(resolve))
  const second = checkAll(counter, [key])
  t.same(
    [...(await first), ...(await second)].map((r) => r.current),
    [61, 62, 63],
    'the next turn counts after the one before',
  )
  t.equal(calls, 3, 'one call per turn')
})

t.test(
  'a check answered while the event loop was busy past its timeout counts; the breaker stays shut',
  async (t) => {
    const redis = await connectedRedis(t, 'seatlock-test-counter')
    let timeouts = 0
    const counter = new SharedCounter(redis, { timeoutMs: 100, onTimeout: () => timeouts++ })
    const key = `t-counter-${uniqueId('busy')}`
    t.teardown(() => redis.del(key))
    const check = checkAll(counter, [key])
    // The call is made at the end of this turn and its bytes leave at the end of the next. The loop is kept
    // busy three times the check's timeout in between (made, not yet sent), then once it has left.
    await nextTurn()
    blockLoop(300)
    await nextTurn()
    blockLoop(300)
    t.same(
      (await check).map((r) => r.current),
      [1],
      'counted',
    )
    t.equal(timeouts, 0, 'not taken for a slow Redis (which would open the breaker: limits off)')
  },
)

t.test('on a Redis Cluster the counters of one turn are counted in their own slots', async (t) => {
  const nodes = await startRedisCluster(t)
  const redis = await connectedRedis(t, 'seatlock-test-counter', testConfig({ redisClusterNodes: nodes }))
  const counter = new SharedCounter(redis)
  // Fifty counters: their slots spread over the three masters, so one multi-key call would be refused.
  const keys = Array.from({ length: 50 }, (_, i) => `t-cluster-counter-${i}`)
  const results = await checkAll(counter, [...keys, ...keys])
  t.same(
    results.map((r) => r.current),
    [...keys.map(() => 1), ...keys.map(() => 2)],
    'every counter counted twice, in order',
  )
  const slots = new Set(await Promise.all(keys.map((k) => redis.cluster('KEYSLOT', k))))
  t.ok(slots.size > 10, `the counters live in ${slots.size} slots`)
})

/** One HTTP request written in one write (headers and body together), as most clients send a small hold. */
function rawPost(url: string, path: string, body: unknown): Promise<number> {
  const { hostname, port } = new URL(url)
  const json = JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () =>
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`,
      ),
    )
    let response = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (response += chunk))
    socket.on('error', reject)
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0)))
  })
}

t.test("a hold's limits are counted by its own script call: no Redis call more", async (t) => {
  const api = await startApp(
    t,
    ledger,
    limits({ holdsPerAddress: 1000, holdsPerHolder: 1000 }),
    undefined,
    COUNTING,
  )
  const eventId = await createEvent(api, { ga: { g: 100 } })
  const calls = countCalls(api, ['countRequests', 'createHold'])
  const statuses: number[] = []
  for (let i = 0; i < 10; i++) {
    statuses.push(
      await rawPost(api.url, `/v1/events/${eventId}/holds`, {
        holder: i < 5 ? 'pair-a' : `pair-${i}`,
        items: [{ section: 'g', quantity: 1 }],
      }),
    )
  }
  t.same(statuses, Array(10).fill(201), 'ten holds, one after another')
  t.same(calls, { countRequests: 0, createHold: 10 }, 'one script call per hold, the limits counted in it')
  const counters = await api.redis.keys(`${api.config.keyPrefix}:*:rl:*`)
  const values = Object.fromEntries(
    await Promise.all(counters.map(async (key) => [key.replace(/^.*:rl:/, ''), await api.redis.get(key)])),
  )
  t.equal(values['address:127.0.0.1'], '10', 'the address counted every hold')
  t.same(
    Object.entries(values)
      .filter(([key]) => key.startsWith('holder:'))
      .map(([, value]) => value)
      .sort(),
    ['1', '1', '1', '1', '1', '5'],
    'each holder counted its own holds',
  )
  t.ok((await api.redis.pttl(`${counters[0]}`)) > 0, 'the window expires')
  const view = await api.request('GET', `/v1/events/${eventId}`)
  t.equal(view.body.sections[0].held, 10)
})

t.test(
  'creates refused before the hold script count too, and an address over its limit is refused first',
  async (t) => {
    const api = await startApp(t, ledger, limits({ holdsPerAddress: 3 }), undefined, COUNTING)
    const eventId = await createEvent(api, { ga: { g: 100 } })
    const unknown = `no-such-${uniqueId('e')}`
    const early = []
    for (let i = 0; i < 3; i++) early.push((await hold(api, unknown, `early-${i}`)).status)
    t.same(early, [404, 404, 404], 'refused before the script: an unknown event')
    // Those three were counted apart once answered: this hold is the address's fourth request.
    assertLimited(t, await hold(api, eventId, 'late'), 'address')
    const gated = await hold(api, unknown, 'gated')
    t.equal(gated.status, 429, 'over its limit, the address is refused before its event is even looked up')
    const bad = await api.request('POST', `/v1/events/${eventId}/holds`, { body: { holder: 'x', items: [] } })
    t.equal(bad.status, 400, 'a bad body is refused as before, and counted')
    await eventually('every request counted', async () => {
      const [key] = await api.redis.keys(`${api.config.keyPrefix}:*:rl:address:*`)
      return key !== undefined && (await api.redis.get(key)) === '6'
    })
    await assertAdminUnlimited(t, api, eventId, 0)
  },
)

t.test("on a Redis Cluster creates are counted apart, in the counters' own slots", async (t) => {
  const nodes = await startRedisCluster(t)
  const api = await startApp(
    t,
    ledger,
    { ...limits({ holdsPerAddress: 4, holdsPerHolder: 2 }), redisClusterNodes: nodes },
    undefined,
    COUNTING,
  )
  const eventId = await createEvent(api, { ga: { g: 100 } })
  const statuses = []
  for (const holder of ['c1', 'c1', 'c1']) statuses.push((await hold(api, eventId, holder)).status)
  t.same(statuses, [201, 201, 429], 'per holder')
  t.equal((await hold(api, eventId, 'c2')).status, 201)
  assertLimited(t, await hold(api, eventId, 'c3'), 'address')
  const view = await api.request('GET', `/v1/events/${eventId}`)
  t.equal(view.body.sections[0].held, 3, 'refused requests took nothing')
})

t.test('per holder: one holder limited, others not', async (t) => {
  const api = await startApp(t, ledger, limits({ holdsPerHolder: 3 }), undefined, COUNTING)
  const eventId = await createEvent(api, { ga: { g: 100 } })
  for (let i = 0; i < 3; i++) t.equal((await hold(api, eventId, 'busy')).status, 201)
  assertLimited(t, await hold(api, eventId, 'busy'), 'holder')
  t.equal((await hold(api, eventId, 'calm')).status, 201, 'another holder still takes holds')
})

t.test('actions on holds per address (read, extend, release, confirm)', async (t) => {
  const api = await startApp(t, ledger, limits({ holdActionsPerAddress: 3 }), undefined, COUNTING)
  const eventId = await createEvent(api, { ga: { g: 100 } })
  const created = await hold(api, eventId, 'reader')
  t.equal(created.status, 201)
  const path = `/v1/events/${eventId}/holds/${created.body.id}`
  for (let i = 0; i < 3; i++)
    t.equal((await api.request('GET', path, { token: created.body.token })).status, 200)
  const over = await api.request('GET', path, { token: created.body.token })
  t.equal(over.status, 429)
  t.equal(over.body.code, 'RATE_LIMITED')
  t.equal(over.body.details.scope, 'actions')
  t.ok(Number(over.headers.get('retry-after')) >= 1, 'Retry-After')
})

t.test(
  "a confirm's actions limit is counted by its own pin: no Redis call more, and a refused confirm pins nothing",
  async (t) => {
    const api = await startApp(t, ledger, limits({ holdActionsPerAddress: 4 }), undefined, COUNTING)
    const eventId = await createEvent(api, { ga: { g: 100 } })
    const a = await hold(api, eventId, 'buyer-a')
    const b = await hold(api, eventId, 'buyer-b')
    const calls = countCalls(api, ['countRequests', 'pinHold'])
    const confirm = (id: string, token: string, event = eventId) =>
      api.request('POST', `/v1/events/${event}/holds/${id}/confirm`, { token })

    t.equal((await confirm(a.body.id, a.body.token)).status, 201, 'action 1: a confirm')
    t.equal((await confirm(a.body.id, a.body.token)).status, 200, 'action 2: the same confirm again')
    t.same(calls, { countRequests: 0, pinHold: 2 }, 'one script call per confirm, its limit counted in it')
    const read = await api.request('GET', `/v1/events/${eventId}/holds/${b.body.id}`, { token: b.body.token })
    t.equal(read.status, 200, 'action 3: a read, counted by the hook')
    const early = await confirm(b.body.id, b.body.token, `no-such-${uniqueId('e')}`)
    t.equal(early.status, 404, 'action 4: a confirm refused before its pin, counted apart once answered')
    const [key] = await api.redis.keys(`${api.config.keyPrefix}:*:rl:actions:*`)
    t.ok(key, 'one counter for the address, as for the other actions')
    await eventually('the four actions counted', async () => (await api.redis.get(key as string)) === '4')

    const over = await confirm(b.body.id, b.body.token)
    assertLimited(t, over, 'actions')
    t.equal(await api.redis.get(key as string), '5', 'the refused confirm counted too')
    const view = await api.request('GET', `/v1/events/${eventId}`)
    t.match(view.body.sections[0], { held: 1, sold: 1 }, 'the refused confirm pinned and sold nothing')
    const admin = await api.request('POST', `/v1/events/${eventId}/holds/${b.body.id}/confirm`, {
      admin: true,
    })
    t.equal(admin.status, 201, 'an admin is never limited')
  },
)

t.test('actions from one address on two instances at once: exactly the limit passes', async (t) => {
  const [a, b] = await twoInstances(t, { holdActionsPerAddress: 10 })
  const eventId = await createEvent(a, { ga: { g: 100 } })
  const created = await hold(a, eventId, 'reader')
  const path = `/v1/events/${eventId}/holds/${created.body.id}`
  const reads = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      (i % 2 === 0 ? a : b).request('GET', path, { token: created.body.token }),
    ),
  )
  const statuses = reads.map((r) => r.status)
  t.equal(
    statuses.filter((s) => s === 200).length,
    10,
    'exactly the limit was let through, over both instances',
  )
  t.equal(statuses.filter((s) => s === 429).length, 20, 'every other read refused')
  t.ok(
    reads.filter((r) => r.status === 429).every((r) => r.body.details.scope === 'actions'),
    'as the actions limit',
  )
  const confirm = await b.request('POST', `${path}/confirm`, { token: created.body.token })
  t.equal(confirm.status, 429, 'a confirm from the same address is refused too')
  const admin = await a.request('POST', `${path}/confirm`, { admin: true })
  t.equal(admin.status, 201, 'an admin is never limited')
})

t.test('client address: X-Forwarded-For only counts with TRUST_PROXY', async (t) => {
  const direct = await startApp(t, ledger, limits({ holdsPerAddress: 2 }), undefined, COUNTING)
  const eventId = await createEvent(direct, { ga: { g: 100 } })
  const statuses = []
  for (let i = 0; i < 3; i++)
    statuses.push((await hold(direct, eventId, `d${i}`, { 'x-forwarded-for': `203.0.113.${i}` })).status)
  t.same(statuses, [201, 201, 429], 'untrusted: a forged X-Forwarded-For does not dodge the limit')

  const proxied = await startApp(
    t,
    ledger,
    { ...limits({ holdsPerAddress: 2 }), trustProxy: true },
    undefined,
    COUNTING,
  )
  const behind = []
  for (let i = 0; i < 3; i++)
    behind.push((await hold(proxied, eventId, `p${i}`, { 'x-forwarded-for': `198.51.100.${i}` })).status)
  behind.push((await hold(proxied, eventId, 'p3', { 'x-forwarded-for': '198.51.100.0' })).status)
  behind.push((await hold(proxied, eventId, 'p4', { 'x-forwarded-for': '198.51.100.0' })).status)
  t.same(behind, [201, 201, 201, 201, 429], 'trusted proxy: each forwarded client has its own budget')
})

t.test(
  'a check that times out opens the breaker: checks are skipped, requests go on unlimited',
  async (t) => {
    const server = await RedisServer.start(t)
    const proxy = await TcpProxy.start(t, { host: '127.0.0.1', port: server.port })
    const api = await startApp(
      t,
      ledger,
      { ...limits({ holdActionsPerAddress: 1000 }), redisUrl: `redis://127.0.0.1:${proxy.port}` },
      undefined,
      // The breaker stays open for the whole test, so how long each read takes does not matter.
      { jobs: false, limitCheckTimeoutMs: 50, limitBreakerMs: 600_000 },
    )
    const eventId = await createEvent(api, { ga: { g: 100 } })
    const created = await hold(api, eventId, 'reader')
    t.equal(created.status, 201)
    let calls = 0
    const count = api.redis.countRequests.bind(api.redis)
    api.redis.countRequests = ((...args: Parameters<typeof count>) => {
      calls++
      return count(...args)
    }) as typeof count

    // Every reply from Redis now comes 200 ms late: the first check times out after 50 ms.
    proxy.delayReplies(200)
    const path = `/v1/events/${eventId}/holds/${created.body.id}`
    const statuses = []
    for (let i = 0; i < 3; i++)
      statuses.push((await api.request('GET', path, { token: created.body.token })).status)
    t.same(statuses, [200, 200, 200], 'a slow Redis: the hold still read, never 429')
    t.equal(calls, 1, 'one check timed out; the reads behind it sent no check')
  },
)

t.test(
  'limits fail open: Redis frozen or gone answers 503 REDIS_UNAVAILABLE, never 429 or 500',
  async (t) => {
    const server = await RedisServer.start(t)
    const api = await startApp(
      t,
      ledger,
      {
        ...limits({ holdsPerAddress: 1000, holdsPerHolder: 1000, holdActionsPerAddress: 1000 }),
        redisUrl: server.url,
      },
      undefined,
      { jobs: false },
    )
    const eventId = await createEvent(api, { ga: { g: 100 } })
    t.equal((await hold(api, eventId, `warm-${uniqueId('h')}`)).status, 201, 'limits on, Redis up: 201')

    server.pause()
    try {
      const started = Date.now()
      const frozen = await hold(api, eventId, 'frozen')
      const elapsed = Date.now() - started
      t.equal(frozen.status, 503, 'frozen Redis: 503')
      t.equal(frozen.body.code, 'REDIS_UNAVAILABLE', 'the hold store is named, not the limiter')
      t.ok(frozen.headers.get('retry-after'), 'with Retry-After')
      // The hold's own command timeout is 1 s; the limit check may add at most its 100 ms bound.
      t.ok(elapsed < 1500, `answered in ${elapsed} ms`)
    } finally {
      server.resume()
    }

    await server.stop()
    const started = Date.now()
    const gone = await hold(api, eventId, 'gone')
    t.equal(gone.status, 503, 'stopped Redis: 503')
    t.equal(gone.body.code, 'REDIS_UNAVAILABLE')
    t.ok(Date.now() - started < 1100, 'at once: no limit check is even tried while disconnected')
  },
)
