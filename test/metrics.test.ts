import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { createEvent, eachLedger, seats, startApp } from './helpers/app.js'
import type { TestApp } from './helpers/app.js'
import { eventually } from './helpers/eventually.js'
import { parsePrometheus } from './helpers/metrics.js'
import type { Scrape } from './helpers/metrics.js'

async function scrape(api: TestApp): Promise<Scrape> {
  const res = await api.request('GET', '/metrics')
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`)
  return parsePrometheus(res.body as string)
}

/** Scrapes until `done` accepts a scrape; returns that scrape. */
async function scrapeUntil(api: TestApp, what: string, done: (s: Scrape) => boolean, deadlineMs: number) {
  return eventually(
    what,
    async () => {
      const s = await scrape(api)
      return done(s) && s
    },
    { deadlineMs, intervalMs: 50 },
  )
}

const HOLD_201 = { status_code: '201' }

await eachLedger(t, 'metrics', async (t, ledger) => {
  const api = await startApp(t, ledger, { maxSeatsPerHolder: 10 })
  const holdPath = (eventId: string) => `/v1/events/${eventId}/holds`

  await t.test('GET /metrics is Prometheus text with process metrics and no id labels', async (t) => {
    const res = await api.request('GET', '/metrics')
    t.equal(res.status, 200)
    t.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/)
    const m = parsePrometheus(res.body as string)
    t.ok(m.samples.length > 50, `${m.samples.length} samples parsed`)
    for (const name of [
      'seatlock_holds_created_total',
      'seatlock_holds_released_total',
      'seatlock_holds_expired_total',
      'seatlock_holds_confirmed_total',
      'seatlock_reservations_cancelled_total',
      'seatlock_refusals_total',
    ])
      t.equal(m.types.get(name), 'counter', `${name} is a counter`)
    t.equal(m.types.get('seatlock_hold_duration_seconds'), 'histogram')
    t.equal(m.types.get('seatlock_confirm_duration_seconds'), 'histogram')
    for (const name of ['seatlock_active_holds', 'seatlock_held_seats', 'seatlock_sweeper_lag_seconds'])
      t.equal(m.types.get(name), 'gauge', `${name} is a gauge`)
    t.equal(m.get('seatlock_dependency_up', { dependency: 'redis' }), 1, 'redis up')
    t.equal(m.get('seatlock_dependency_up', { dependency: 'ledger' }), 1, 'ledger up')
    const rtt = m.get('seatlock_dependency_rtt_seconds', { dependency: 'ledger' }) ?? -1
    t.ok(rtt > 0 && rtt < 1, `ledger round trip measured (${rtt} s)`)
    t.ok(m.get('process_cpu_user_seconds_total') !== undefined, 'process metrics')
    t.ok(m.get('nodejs_eventloop_lag_seconds') !== undefined, 'event loop metrics')
    const leader = await scrapeUntil(
      api,
      'a sweeper leader',
      (s) => s.get('seatlock_job_leader', { job: 'sweeper' }) === 1,
      5000,
    )
    t.equal(leader.get('seatlock_job_leader', { job: 'sweeper' }), 1, 'the only instance leads the sweeper')
    const allowed = new Set([
      'operation',
      'code',
      'method',
      'route',
      'status_code',
      'status',
      'job',
      'dependency',
      'kind',
      'source',
    ])
    const seatlockLabels = new Set(
      m.samples.filter((s) => s.name.startsWith('seatlock_')).flatMap((s) => Object.keys(s.labels)),
    )
    for (const label of seatlockLabels)
      t.ok(allowed.has(label) || label === 'le', `label "${label}" is bounded`)
  })

  await t.test('counters move with holds, refusals, releases, confirms and cancels', async (t) => {
    const eventId = await createEvent(api, { seated: { s: seats('S', 6) }, ga: { g: 10 } })
    const before = await scrape(api)
    const delta = (after: Scrape, name: string, labels?: Record<string, string>) =>
      after.count(name, labels) - before.count(name, labels)

    const a = await api.request('POST', holdPath(eventId), {
      body: { holder: 'alice-secret-holder', items: [{ section: 's', seats: ['S1', 'S2'] }] },
      headers: { 'idempotency-key': 'key-1' },
    })
    t.equal(a.status, 201)
    const replay = await api.request('POST', holdPath(eventId), {
      body: { holder: 'alice-secret-holder', items: [{ section: 's', seats: ['S1', 'S2'] }] },
      headers: { 'idempotency-key': 'key-1' },
    })
    t.equal(replay.status, 201)
    t.equal(replay.headers.get('idempotent-replayed'), 'true')
    const refused = await api.request('POST', holdPath(eventId), {
      body: { holder: 'bob', items: [{ section: 's', seats: ['S2', 'S3'] }] },
    })
    t.equal(refused.status, 409)
    t.equal(refused.body.code, 'SEAT_UNAVAILABLE')
    const tooMany = await api.request('POST', holdPath(eventId), {
      body: { holder: 'bob', items: [{ section: 'g', quantity: 11 }] },
    })
    t.equal(tooMany.status, 400)

    let m = await scrape(api)
    t.equal(delta(m, 'seatlock_holds_created_total'), 1, 'one hold created (the replay is not counted)')
    t.equal(delta(m, 'seatlock_refusals_total', { operation: 'hold', code: 'SEAT_UNAVAILABLE' }), 1)
    t.equal(delta(m, 'seatlock_refusals_total', { operation: 'hold', code: 'TOO_MANY_SEATS' }), 1)
    t.equal(delta(m, 'seatlock_hold_duration_seconds_count', HOLD_201), 2, 'both 201 answers timed')
    t.equal(delta(m, 'seatlock_hold_duration_seconds_count', { status_code: '409' }), 1)
    t.equal(m.get('seatlock_active_holds', { status: 'held' }), 1, 'one active hold')
    t.equal(m.get('seatlock_held_seats'), 2, 'two seats held')
    t.equal(
      delta(m, 'seatlock_http_requests_total', {
        method: 'POST',
        route: '/v1/events/:eventId/holds',
        status_code: '201',
      }),
      2,
      'requests counted by route pattern',
    )
    const text = (await api.request('GET', '/metrics')).body as string
    t.notOk(text.includes(eventId), 'no event id in any label')
    t.notOk(text.includes('alice-secret-holder'), 'no holder in any label')
    t.notOk(text.includes(a.body.id as string), 'no hold id in any label')

    const released = await api.request('DELETE', `${holdPath(eventId)}/${a.body.id}`, { token: a.body.token })
    t.equal(released.status, 204)
    const again = await api.request('DELETE', `${holdPath(eventId)}/${a.body.id}`, { token: a.body.token })
    t.equal(again.status, 410)

    const bulk = []
    for (const seat of ['S4', 'S5'])
      bulk.push(
        await api.request('POST', holdPath(eventId), {
          body: { holder: 'carol', items: [{ section: 's', seats: [seat] }] },
        }),
      )
    t.same(
      bulk.map((r) => r.status),
      [201, 201],
    )
    const bulkRelease = await api.request('DELETE', `/v1/events/${eventId}/holders/carol/holds`, {
      admin: true,
    })
    t.same(bulkRelease.body, { released: 2 })

    m = await scrape(api)
    t.equal(delta(m, 'seatlock_holds_created_total'), 3)
    t.equal(delta(m, 'seatlock_holds_released_total'), 3, 'one single release and two in bulk')
    t.equal(delta(m, 'seatlock_refusals_total', { operation: 'release', code: 'HOLD_RELEASED' }), 1)
    t.equal(m.get('seatlock_active_holds', { status: 'held' }), 0)
    t.equal(m.get('seatlock_held_seats'), 0)

    const c = await api.request('POST', holdPath(eventId), {
      body: { holder: 'dave', items: [{ section: 'g', quantity: 3 }] },
    })
    const confirmPath = `${holdPath(eventId)}/${c.body.id}/confirm`
    const confirmed = await api.request('POST', confirmPath, {
      token: c.body.token,
      body: { paymentRef: 'p-1' },
    })
    t.equal(confirmed.status, 201)
    const retried = await api.request('POST', confirmPath, { token: c.body.token })
    t.equal(retried.status, 200, 'a retried confirm answers 200')
    const cancelled = await api.request('DELETE', `/v1/events/${eventId}/reservations/${confirmed.body.id}`, {
      token: c.body.token,
    })
    t.equal(cancelled.status, 204)

    m = await scrape(api)
    t.equal(delta(m, 'seatlock_holds_confirmed_total'), 1, 'one confirm (the retry is not counted)')
    t.equal(delta(m, 'seatlock_confirm_duration_seconds_count', { status_code: '201' }), 1)
    t.equal(delta(m, 'seatlock_confirm_duration_seconds_count', { status_code: '200' }), 1)
    t.equal(delta(m, 'seatlock_reservations_cancelled_total'), 1)
    const sum = delta(m, 'seatlock_confirm_duration_seconds_sum')
    t.ok(sum > 0 && sum < 4, `confirm durations add up (${sum} s)`)
    const le2 = m.count('seatlock_confirm_duration_seconds_bucket', { status_code: '201', le: '2' })
    const inf = m.count('seatlock_confirm_duration_seconds_bucket', { status_code: '201', le: '+Inf' })
    t.ok(le2 <= inf && inf >= 1, 'buckets are cumulative')
    // The first confirm went through every step; the retry found the hold confirmed at its pin.
    t.equal(delta(m, 'seatlock_confirm_stage_seconds_count', { stage: 'pin' }), 2, 'both confirms pinned')
    t.equal(delta(m, 'seatlock_confirm_stage_seconds_count', { stage: 'ledger' }), 1, 'one ledger step')
    t.equal(delta(m, 'seatlock_confirm_stage_seconds_count', { stage: 'finalise' }), 1, 'one finalise')
    const steps = ['pin', 'ledger', 'finalise'].map((stage) =>
      delta(m, 'seatlock_confirm_stage_seconds_sum', { stage }),
    )
    t.ok(
      steps.every((s) => s > 0) && steps.reduce((a, b) => a + b) <= sum,
      `the steps took time, within the confirms' own (${steps.join(', ')} s)`,
    )
  })

  await t.test('expired holds are counted once and lag stays small', async (t) => {
    const eventId = await createEvent(api, { ga: { g: 10 } })
    const ready = await scrapeUntil(
      api,
      'a sweeper leader',
      (s) => s.get('seatlock_job_leader', { job: 'sweeper' }) === 1,
      5000,
    )
    const before = ready.count('seatlock_holds_expired_total')
    for (const holder of ['e1', 'e2']) {
      const res = await api.request('POST', holdPath(eventId), {
        body: { holder, ttlSeconds: 1, items: [{ section: 'g', quantity: 2 }] },
      })
      t.equal(res.status, 201)
    }
    t.equal((await scrape(api)).get('seatlock_held_seats'), 4, 'four units held')
    const m = await scrapeUntil(
      api,
      'two expiries counted',
      (s) => s.count('seatlock_holds_expired_total') - before >= 2,
      5000,
    )
    t.equal(m.count('seatlock_holds_expired_total') - before, 2, 'two holds expired')
    const settled = await scrapeUntil(api, 'nothing held', (s) => s.get('seatlock_held_seats') === 0, 2000)
    t.equal(settled.get('seatlock_held_seats'), 0, 'nothing held after expiry')
    t.equal(settled.get('seatlock_active_holds', { status: 'held' }), 0)
    const lag = settled.get('seatlock_sweeper_lag_seconds') ?? -1
    t.ok(lag >= 0 && lag < 1, `sweeper lag ${lag} s`)
    await sleep(300) // a late duplicate would show here
    t.equal((await scrape(api)).count('seatlock_holds_expired_total') - before, 2, 'and counted once')
  })

  await t.test('two instances sweeping one Redis count each expired hold once between them', async (t) => {
    // Both run the sweeper (one leads) and the expiry watcher, and holds expire while both take holds.
    const other = await startApp(t, ledger, { keyPrefix: api.config.keyPrefix, maxSeatsPerHolder: 10 })
    const eventId = await createEvent(api, { ga: { g: 40 } })
    const total = async () =>
      (await scrape(api)).count('seatlock_holds_expired_total') +
      (await scrape(other)).count('seatlock_holds_expired_total')
    const before = await total()
    const holds = 20
    const created = await Promise.all(
      Array.from({ length: holds }, (_, i) =>
        (i % 2 === 0 ? api : other).request('POST', holdPath(eventId), {
          body: { holder: `x${i}`, ttlSeconds: 1, items: [{ section: 'g', quantity: 2 }] },
        }),
      ),
    )
    t.same(
      created.map((r) => r.status),
      Array(holds).fill(201),
      'every hold taken',
    )
    await eventually('every expired hold counted', async () => (await total()) - before >= holds, {
      deadlineMs: 5000,
      intervalMs: 50,
    })
    t.equal((await total()) - before, holds, 'every expired hold counted')
    await sleep(500) // a second count of any of them would show here: both sweep every 200 ms
    t.equal((await total()) - before, holds, 'and none counted twice')
  })

  await t.test('every app has its own registry', async (t) => {
    const other = await startApp(t, ledger, {}, undefined, { jobs: false })
    const mine = await scrape(api)
    const theirs = await scrape(other)
    t.ok(mine.count('seatlock_holds_created_total') > 0, 'this app counted holds')
    t.equal(theirs.count('seatlock_holds_created_total'), 0, 'a second app in the same process starts at 0')
    t.equal(theirs.get('seatlock_job_leader', { job: 'sweeper' }), 0, 'without jobs it leads nothing')
  })

  await t.test('/metrics is in the OpenAPI document', async (t) => {
    const doc = await api.request('GET', '/docs/json')
    const op = doc.body.paths['/metrics'].get
    t.same(op.tags, ['operations'])
    t.ok(op.responses['200'].content['text/plain'], 'text/plain response documented')
  })
})
