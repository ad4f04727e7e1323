/**
 * Fault: Redis drifts from the ledger (issue 10, item 4) and must come back to it by itself, within 5 s
 * of the fault ending, without a client retry:
 * - a repeated DELETE of a cancelled reservation (its old "returned" marker lapsed, or Redis flushed and
 *   rebuilt from the ledger) never frees a seat or GA units a later buyer bought;
 * - a cancel whose Redis step met a BUSY Redis (a long script on a private redis-server);
 * - a finalise that met a BUSY Redis, then kill -9 of the API process that made it (the reconciler's
 *   leader), with a second process surviving.
 * Real processes, a private redis-server, PostgreSQL; invariants against the ledger and the API views.
 */
import pg from 'pg'
import t from 'tap'
import type { Test } from 'tap'
import { Redis } from 'ioredis'
import type { Ledger } from '../../src/ledger/port.js'
import { postgresConnectionString } from '../../src/ledger/pg-pool.js'
import { EventKeys } from '../../src/redis/keys.js'
import { ADMIN_TOKEN, createEvent, request, seats, startApp, uniqueId } from '../helpers/app.js'
import type { TestApp } from '../helpers/app.js'
import { eventually } from '../helpers/eventually.js'
import { checkLedgerInvariants } from '../helpers/invariants.js'
import { openLedger, postgresTarget } from '../helpers/ledgers.js'
import { parsePrometheus } from '../helpers/metrics.js'
import { RedisServer } from '../helpers/redis-server.js'
import { jobLeader } from '../helpers/job-leader.js'
import { startServerProcess } from '../helpers/server-process.js'
import type { ServerProcess } from '../helpers/server-process.js'

const CONVERGE_MS = 5000

interface Held {
  id: string
  token: string
}

async function hold(url: string, eventId: string, holder: string, items: unknown[]): Promise<Held> {
  const res = await request(url, 'POST', `/v1/events/${eventId}/holds`, {
    body: { holder, ttlSeconds: 300, items },
  })
  if (res.status !== 201) throw new Error(`hold: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body as Held
}

async function buy(url: string, eventId: string, holder: string, items: unknown[]) {
  const h = await hold(url, eventId, holder, items)
  const res = await request(url, 'POST', `/v1/events/${eventId}/holds/${h.id}/confirm`, { token: h.token })
  if (res.status !== 201) throw new Error(`confirm: ${res.status} ${JSON.stringify(res.body)}`)
  return { hold: h, reservationId: (res.body as { id: string }).id }
}

/**
 * What the API shows against what the ledger says: sold count of every section and the status of every
 * seat. Returns the differences (empty when the views equal the ledger).
 */
async function driftBetween(url: string, ledger: Ledger, eventId: string): Promise<string[]> {
  const [view, seatView, state] = await Promise.all([
    request(url, 'GET', `/v1/events/${eventId}`),
    request(url, 'GET', `/v1/events/${eventId}/seats`),
    ledger.soldState(eventId),
  ])
  if (view.status !== 200 || seatView.status !== 200)
    return [`views answered ${view.status}/${seatView.status}`]
  const out: string[] = []
  for (const s of state.sections) {
    const shown = (view.body.sections as { id: string; sold: number }[]).find((x) => x.id === s.id)
    if (shown?.sold !== s.sold) out.push(`${s.id}: view sold ${shown?.sold}, ledger ${s.sold}`)
    const seatsShown = (
      seatView.body.sections as { id: string; seats: { seat: string; status: string }[] }[]
    ).find((x) => x.id === s.id)
    if (!seatsShown) continue
    const sold = new Set(s.soldSeats)
    for (const { seat, status } of seatsShown.seats) {
      if ((status === 'sold') !== sold.has(seat))
        out.push(`${s.id}/${seat}: view ${status}, ledger ${sold.has(seat) ? 'sold' : 'unsold'}`)
    }
  }
  return out
}

async function healed(url: string): Promise<number> {
  const scrape = parsePrometheus((await request(url, 'GET', '/metrics')).body as string)
  return (
    (scrape.get('seatlock_redis_drift_healed_total', { kind: 'seat' }) ?? 0) +
    (scrape.get('seatlock_redis_drift_healed_total', { kind: 'count' }) ?? 0)
  )
}

/** Starts a script that keeps Redis busy for `ms`; resolves once other clients are answered BUSY. */
async function makeBusy(t: Test, url: string, ms: number): Promise<{ done: Promise<unknown> }> {
  const spinner = new Redis(url, { maxRetriesPerRequest: 0 })
  const probe = new Redis(url, { maxRetriesPerRequest: 0 })
  t.teardown(() => {
    spinner.disconnect()
    probe.disconnect()
  })
  // Both connected (and past ioredis's ready check) before Redis turns busy.
  await Promise.all([spinner.ping(), probe.ping()])
  const spin = spinner
    .eval(
      `local t = redis.call('TIME') local start = t[1] * 1000 + t[2] / 1000 local now = start
       while now - start < tonumber(ARGV[1]) do t = redis.call('TIME') now = t[1] * 1000 + t[2] / 1000 end
       return 1`,
      0,
      ms,
    )
    .catch((error: unknown) => error)
  await eventually(
    'Redis to answer BUSY',
    async () => {
      try {
        await probe.ping()
        return false
      } catch (error) {
        return /BUSY/.test((error as Error).message)
      }
    },
    { deadlineMs: 2000 },
  )
  // Wrapped: an async function returning a bare promise would wait for it.
  return { done: spin }
}

t.test('a repeated DELETE of a cancelled reservation never frees what a later buyer bought', async (t) => {
  const redisServer = await RedisServer.start(t)
  const target = await postgresTarget()
  const ledger = await openLedger(t, target)
  const api: TestApp = await startApp(t, ledger, { redisUrl: redisServer.url })
  const admin = new Redis(redisServer.url)
  t.teardown(() => admin.disconnect())
  const eventId = await createEvent(api, { seated: { s: seats('S', 3) }, ga: { g: 4 } })
  const keys = new EventKeys(api.config.keyPrefix, eventId)
  const items = [
    { section: 's', seats: ['S1'] },
    { section: 'g', quantity: 3 },
  ]

  const first = await buy(api.url, eventId, 'first', items)
  const path = `/v1/events/${eventId}/reservations/${first.reservationId}`
  t.equal((await api.request('DELETE', path, { token: first.hold.token })).status, 204, 'cancelled')
  const later = await buy(api.url, eventId, 'later', items)
  t.same(await driftBetween(api.url, ledger, eventId), [], 'the later sale shows')

  // The old "returned" marker lapses (7 days): simulated by deleting it (a no-op where there is none).
  await admin.del(`${keys.base}:ret:${first.reservationId}`)
  const repeat = await api.request('DELETE', path, { token: first.hold.token })
  t.equal(repeat.body.code, 'RESERVATION_NOT_FOUND', 'a repeat answers 404')
  t.same(await driftBetween(api.url, ledger, eventId), [], 'the repeat freed nothing the later buyer bought')
  t.equal(await admin.get(keys.seat('s', 'S1')), `$${later.reservationId}`, 'S1 names its reservation')

  // Redis flushed, then rebuilt from the ledger by the next read; then the repeat again.
  await admin.flushall()
  await eventually(
    'the event is rebuilt from the ledger',
    async () => (await api.request('GET', `/v1/events/${eventId}`)).status === 200,
    { deadlineMs: 5000 },
  )
  const again = await api.request('DELETE', path, { token: first.hold.token })
  t.equal(again.status, 404, 'a repeat after the rebuild answers 404')
  t.same(await driftBetween(api.url, ledger, eventId), [], 'and frees nothing either')
  const taken = await api.request('POST', `/v1/events/${eventId}/holds`, {
    body: { holder: 'third', items: [{ section: 's', seats: ['S1'] }] },
  })
  t.equal(taken.body.code, 'SEAT_UNAVAILABLE', 'nobody can hold the seat the later buyer bought')
  const units = await api.request('POST', `/v1/events/${eventId}/holds`, {
    body: { holder: 'third', items: [{ section: 'g', quantity: 2 }] },
  })
  t.equal(units.body.code, 'INSUFFICIENT_CAPACITY', 'nor units the later buyer bought')
  t.equal(await healed(api.url), 0, 'nothing drifted, so nothing was healed')
  await checkLedgerInvariants(t, api, eventId, {
    confirmed: [later.reservationId],
    holds: [first.hold.id, later.hold.id],
  })
})

t.test('a cancel whose Redis step met a BUSY Redis: 204, views = ledger within 5 s, no retry', async (t) => {
  const redisServer = await RedisServer.start(t, ['--busy-reply-threshold', '100'])
  const target = await postgresTarget()
  const ledger = await openLedger(t, target)
  const api: TestApp = await startApp(t, ledger, { redisUrl: redisServer.url })
  const admin = new Redis(redisServer.url, { maxRetriesPerRequest: 0 })
  t.teardown(() => admin.disconnect())
  const eventId = await createEvent(api, { seated: { s: seats('S', 3) }, ga: { g: 5 } })
  const keys = new EventKeys(api.config.keyPrefix, eventId)
  const sale = await buy(api.url, eventId, 'canceller', [
    { section: 's', seats: ['S1', 'S2'] },
    { section: 'g', quantity: 3 },
  ])
  const kept = await buy(api.url, eventId, 'keeper', [{ section: 'g', quantity: 1 }])

  // The ledger's cancel waits on a row lock while Redis turns busy, so its Redis step meets BUSY.
  const lock = new pg.Client({ connectionString: postgresConnectionString(target.url as string) })
  await lock.connect()
  t.teardown(() => lock.end())
  await lock.query('BEGIN')
  await lock.query('SELECT id FROM seatlock_reservations WHERE id = $1 FOR UPDATE', [sale.reservationId])
  const cancel = api.request('DELETE', `/v1/events/${eventId}/reservations/${sale.reservationId}`, {
    token: sale.hold.token,
  })
  await eventually(
    'the cancel reached the ledger step',
    async () => (await admin.zscore(keys.cancelling, sale.reservationId)) !== null,
    { deadlineMs: 2000 },
  )
  const locked = Date.now()
  const spin = await makeBusy(t, redisServer.url, 1500)
  await lock.query('COMMIT')
  t.comment(`ledger held ${Date.now() - locked} ms`)
  const answer = await cancel
  t.equal(answer.status, 204, 'the ledger cancelled: 204 (the reconciler finishes Redis)', {
    body: answer.body,
  })
  t.equal(
    (await ledger.getReservation(eventId, sale.reservationId))?.status,
    'cancelled',
    'ledger: cancelled',
  )
  await spin.done
  const faultEnded = Date.now()
  await eventually(
    'views = ledger within 5 s after Redis is free again, nobody retried',
    async () => (await driftBetween(api.url, ledger, eventId)).length === 0,
    { deadlineMs: CONVERGE_MS },
  )
  t.comment(`converged ${Date.now() - faultEnded} ms after the fault ended`)
  t.same(await driftBetween(api.url, ledger, eventId), [])
  t.ok((await healed(api.url)) >= 2, 'the drift metric counted the heals (seats and GA count)')
  const again = await api.request('POST', `/v1/events/${eventId}/holds`, {
    body: {
      holder: 'next',
      items: [
        { section: 's', seats: ['S1', 'S2'] },
        { section: 'g', quantity: 4 },
      ],
    },
  })
  t.equal(again.status, 201, 'the returned seats and units can be held again')
  await checkLedgerInvariants(t, api, eventId, {
    confirmed: [kept.reservationId],
    holds: [sale.hold.id, kept.hold.id],
  })
})

t.test(
  'a finalise that met a BUSY Redis, then kill -9 of that process: views = ledger within 5 s',
  async (t) => {
    const redisServer = await RedisServer.start(t, ['--busy-reply-threshold', '100'])
    const admin = new Redis(redisServer.url, { maxRetriesPerRequest: 0 })
    t.teardown(() => admin.disconnect())
    const target = await postgresTarget()
    const ledger = await openLedger(t, target)
    const keyPrefix = uniqueId('drift')
    const env = {
      REDIS_URL: redisServer.url,
      LEDGER_URL: target.url as string,
      ADMIN_TOKEN,
      KEY_PREFIX: keyPrefix,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
    }
    const [one, two] = await Promise.all([startServerProcess(t, env), startServerProcess(t, env)])
    const leader = await jobLeader([one, two], 'reconciler')
    t.ok(leader, 'one process leads the reconciler')
    const victim = leader as ServerProcess
    const survivor = victim === one ? two : one

    const eventId = uniqueId('ev')
    const created = await request(survivor.url, 'POST', '/v1/events', {
      admin: true,
      body: {
        id: eventId,
        name: 'Drift',
        sections: [
          { id: 's', name: 'S', price: 100, seats: seats('S', 20) },
          { id: 'g', name: 'G', price: 100, capacity: 40 },
        ],
      },
    })
    t.equal(created.status, 201)
    const holds: Held[] = []
    for (let i = 0; i < 10; i++) {
      holds.push(
        await hold(victim.url, eventId, `buyer-${i}`, [
          { section: 's', seats: [`S${i + 1}`] },
          { section: 'g', quantity: 2 },
        ]),
      )
    }

    // Mid-sale: the ledger commits while Redis is busy, so no finalise lands; then the process dies.
    const keys = new EventKeys(keyPrefix, eventId)
    const lock = new pg.Client({ connectionString: postgresConnectionString(target.url as string) })
    await lock.connect()
    t.teardown(() => lock.end())
    await lock.query('BEGIN')
    await lock.query(`SELECT 1 FROM seatlock_sections WHERE event_id = $1 FOR UPDATE`, [eventId])
    const confirms = holds.map((h) =>
      // The process dies under them: their sockets fail.
      request(victim.url, 'POST', `/v1/events/${eventId}/holds/${h.id}/confirm`, { token: h.token }).catch(
        (error: unknown) => error,
      ),
    )
    await eventually('every hold pinned', async () => (await admin.zcard(keys.confirming)) === holds.length, {
      deadlineMs: 2000,
    })
    const spin = await makeBusy(t, redisServer.url, 1500)
    await lock.query('COMMIT')
    await eventually(
      'the ledger committed the sales',
      async () => (await ledger.soldCounts(eventId)).sections[1]?.sold === 20,
      { deadlineMs: 2000 },
    )
    victim.child.kill('SIGKILL')
    await victim.exited
    await Promise.all(confirms)
    await spin.done
    const faultEnded = Date.now()
    t.ok((await admin.zcard(keys.confirming)) > 0, 'holds were left pinned, their sales not finalised')
    await eventually(
      'views = ledger within 5 s after the fault ended',
      async () => (await driftBetween(survivor.url, ledger, eventId)).length === 0,
      { deadlineMs: CONVERGE_MS },
    )
    t.comment(`converged ${Date.now() - faultEnded} ms after the fault ended`)
    t.same(await driftBetween(survivor.url, ledger, eventId), [])
    t.equal(await admin.zcard(keys.confirming), 0, 'nothing left pinned')
    const reservations = await ledger.listReservations(eventId, 100, null)
    await checkLedgerInvariants(
      t,
      { ledger, request: (m, p, o) => request(survivor.url, m, p, o) },
      eventId,
      {
        confirmed: reservations.items.map((r) => r.id),
        holds: holds.map((h) => h.id),
      },
    )
  },
)
