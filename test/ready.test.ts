import t from 'tap'
import { createEvent, eachLedger, seats, startApp } from './helpers/app.js'
import type { TestApp, TestResponse } from './helpers/app.js'
import { eventually } from './helpers/eventually.js'
import { parsePrometheus } from './helpers/metrics.js'
import { RedisServer } from './helpers/redis-server.js'

async function timed(call: () => Promise<TestResponse>): Promise<{ res: TestResponse; ms: number }> {
  const start = Date.now()
  const res = await call()
  return { res, ms: Date.now() - start }
}

async function gauge(
  api: TestApp,
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  const res = await api.request('GET', '/metrics')
  return parsePrometheus(res.body as string).get(name, labels)
}

/** Scrapes until the sweeper leadership gauge equals `value`. */
async function sweeperLeader(api: TestApp, value: number, deadlineMs: number): Promise<void> {
  await eventually(
    `the sweeper leadership gauge at ${value}`,
    async () => (await gauge(api, 'seatlock_job_leader', { job: 'sweeper' })) === value,
    { deadlineMs, intervalMs: 50 },
  )
}

await eachLedger(t, 'readiness and recovery', async (t, ledger) => {
  // A Redis server of our own, so stopping it does not disturb the other test files.
  const redisServer = await RedisServer.start(t)
  // A short lock: the sweeper's leadership lapses that long after Redis goes away.
  const lockTtlMs = 1500
  const api = await startApp(t, ledger, { redisUrl: redisServer.url }, undefined, { lockTtlMs })
  const eventId = await createEvent(api, { seated: { s: seats('S', 4) }, ga: { g: 10 } })
  const holdPath = `/v1/events/${eventId}/holds`

  await t.test('ready while both dependencies answer', async (t) => {
    const res = await api.request('GET', '/ready')
    t.equal(res.status, 200)
    t.same(res.body, { status: 'ready', redis: 'up', ledger: 'up' })
    const health = await api.request('GET', '/health')
    t.same(health.body, { status: 'ok' })
    const held = await api.request('POST', holdPath, {
      body: { holder: 'before', items: [{ section: 's', seats: ['S1'] }] },
    })
    t.equal(held.status, 201)
    await sweeperLeader(api, 1, 5000)
    t.pass('leads the sweeper')
  })

  await t.test('Redis stops: 503 fast, naming Redis; the process stays up', async (t) => {
    await redisServer.stop()
    const ready = await eventually(
      '/ready to answer 503',
      async () => {
        const res = await api.request('GET', '/ready')
        return res.status === 503 ? res : undefined
      },
      { deadlineMs: 5000, intervalMs: 50 },
    )
    t.equal(ready.status, 503)
    t.same(ready.body, { status: 'unavailable', redis: 'down', ledger: 'up' })
    t.equal(ready.headers.get('retry-after'), '1')

    const again = await timed(() => api.request('GET', '/ready'))
    t.equal(again.res.status, 503)
    t.ok(again.ms < 1500, `/ready answered in ${again.ms} ms`)

    const hold = await timed(() =>
      api.request('POST', holdPath, { body: { holder: 'during', items: [{ section: 'g', quantity: 1 }] } }),
    )
    t.equal(hold.res.status, 503)
    t.equal(hold.res.body.code, 'REDIS_UNAVAILABLE')
    t.equal(hold.res.headers.get('retry-after'), '1')
    t.ok(hold.ms < 1200, `a hold answered 503 in ${hold.ms} ms`)

    const event = await timed(() => api.request('GET', `/v1/events/${eventId}`))
    t.equal(event.res.status, 503)
    t.equal(event.res.body.code, 'REDIS_UNAVAILABLE')
    t.ok(event.ms < 1200, `an event read answered 503 in ${event.ms} ms`)

    const metrics = await api.request('GET', '/metrics')
    t.equal(metrics.status, 200, '/metrics still answers')
    const m = parsePrometheus(metrics.body as string)
    t.equal(m.get('seatlock_dependency_up', { dependency: 'redis' }), 0, 'metrics show Redis down')
    t.equal(m.get('seatlock_dependency_up', { dependency: 'ledger' }), 1, 'and the ledger up')
    t.equal((await api.request('GET', '/health')).status, 200, 'still alive')
    // The sweeper's lock cannot be extended: the job stops within the lock's TTL.
    await sweeperLeader(api, 0, lockTtlMs + 2000)
    t.pass('the sweeper stepped down (its lock could not be extended)')
  })

  await t.test(
    'Redis returns (empty): ready again, holds work, jobs resume, without a restart',
    async (t) => {
      await redisServer.start()
      const startedAt = Date.now()
      const ready = await eventually(
        '/ready to answer 200',
        async () => {
          const res = await api.request('GET', '/ready')
          return res.status === 200 ? res : undefined
        },
        { deadlineMs: 10_000, intervalMs: 50 },
      )
      t.equal(ready.status, 200)
      t.same(ready.body, { status: 'ready', redis: 'up', ledger: 'up' })
      t.comment(`ready ${Date.now() - startedAt} ms after Redis came back`)

      // Redis lost everything: the event is rebuilt from the ledger on first use.
      const hold = await eventually(
        'a hold to be taken',
        async () => {
          const res = await api.request('POST', holdPath, {
            body: {
              holder: 'after',
              ttlSeconds: 1,
              items: [
                { section: 's', seats: ['S1'] },
                { section: 'g', quantity: 2 },
              ],
            },
          })
          return res.status === 201 ? res : undefined
        },
        { deadlineMs: 5000, intervalMs: 50 },
      )
      t.equal(hold.status, 201, 'a hold is taken again (S1 too: the old hold died with Redis)')

      await sweeperLeader(api, 1, 10_000)
      t.pass('leads the sweeper again')
      t.equal(await gauge(api, 'seatlock_dependency_up', { dependency: 'redis' }), 1, 'metrics show Redis up')

      // The hold expires and its seats come back: expiry works again.
      const expiresAt = Date.parse(hold.body.expiresAt as string)
      const event = await eventually(
        'the seats to come back',
        async () => {
          const res = await api.request('GET', `/v1/events/${eventId}`)
          return ((r) =>
            r.status === 200 && (r.body.sections as { held: number }[]).every((s) => s.held === 0))(res)
            ? res
            : undefined
        },
        { deadlineMs: expiresAt - Date.now() + 3000, intervalMs: 50 },
      )
      t.same(
        (event.body.sections as { id: string; held: number }[]).map((s) => [s.id, s.held]),
        [
          ['s', 0],
          ['g', 0],
        ],
        'the hold expired and its seats came back',
      )
    },
  )
})
