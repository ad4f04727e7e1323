/**
 * The series the dashboard and alert rules need beyond the counters of metrics.test.ts: open change
 * streams, active events, the time of the last sweep, and the opt-in per-event series (METRICS_EVENTS).
 */
import t from 'tap'
import { loadConfig, MAX_METRICS_EVENTS } from '../src/config.js'
import { createEvent, startApp, uniqueId } from './helpers/app.js'
import type { TestApp } from './helpers/app.js'
import { eventually } from './helpers/eventually.js'
import { openLedger, postgresTarget } from './helpers/ledgers.js'
import { parsePrometheus } from './helpers/metrics.js'
import type { Scrape } from './helpers/metrics.js'
import { StreamClient } from './helpers/stream.js'

async function scrape(api: TestApp): Promise<Scrape> {
  const res = await api.request('GET', '/metrics')
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`)
  return parsePrometheus(res.body as string)
}

t.test('METRICS_EVENTS: a bounded list of event ids', async (t) => {
  const env = { ADMIN_TOKEN: 'x'.repeat(16) }
  t.same(loadConfig(env).metricsEvents, [], 'off by default')
  t.same(
    loadConfig({ ...env, METRICS_EVENTS: ' a, b.2 ,a' }).metricsEvents,
    ['a', 'b.2'],
    'trimmed, deduplicated',
  )
  t.throws(
    () => loadConfig({ ...env, METRICS_EVENTS: 'ok,{bad}' }),
    /METRICS_EVENTS entries must be event ids/,
  )
  const many = Array.from({ length: MAX_METRICS_EVENTS + 1 }, (_, i) => `e${i}`).join(',')
  t.throws(() => loadConfig({ ...env, METRICS_EVENTS: many }), /at most/)
})

const target = await postgresTarget()
t.test('operator gauges and per-event series', { skip: target.skip }, async (t) => {
  const ledger = await openLedger(t, target)
  const watched = uniqueId('ev-watched')
  const api = await startApp(t, ledger, { metricsEvents: [watched] })

  await t.test('open change streams are counted per instance', async (t) => {
    const eventId = await createEvent(api, { ga: { g: 5 } })
    t.equal((await scrape(api)).get('seatlock_streams_open'), 0, 'none open')
    const a = await StreamClient.open(t, api.url, eventId)
    const b = await StreamClient.open(t, api.url, eventId)
    await eventually('two open', async () => (await scrape(api)).get('seatlock_streams_open') === 2, {
      deadlineMs: 3000,
    })
    await a.close()
    await b.close()
    await eventually('none after close', async () => (await scrape(api)).get('seatlock_streams_open') === 0, {
      deadlineMs: 3000,
    })
  })

  await t.test('events with due work and the last sweep are visible', async (t) => {
    const eventId = await createEvent(api, { ga: { g: 5 } })
    const hold = await api.request('POST', `/v1/events/${eventId}/holds`, {
      body: { holder: 'u1', items: [{ section: 'g', quantity: 1 }] },
    })
    t.equal(hold.status, 201)
    const m = await scrape(api)
    t.equal(m.types.get('seatlock_events_active'), 'gauge')
    t.ok((m.get('seatlock_events_active') ?? 0) >= 1, 'the event with a hold is active')
    let last = 0
    await eventually(
      'the sweeper ran within the last 2 s',
      async () => {
        last = (await scrape(api)).get('seatlock_sweeper_last_run_timestamp_seconds') ?? 0
        return Math.abs(Date.now() / 1000 - last) < 2
      },
      { deadlineMs: 5000 },
    )
  })

  await t.test('per-event series exist only for the listed events', async (t) => {
    const create = async (id: string) => {
      const res = await api.request('POST', '/v1/events', {
        admin: true,
        body: { id, name: id, sections: [{ id: 'g', name: 'g', price: 100, capacity: 2 }] },
      })
      t.equal(res.status, 201)
    }
    const other = uniqueId('ev-unlisted')
    await create(watched)
    await create(other)
    const before = await scrape(api)
    t.equal(before.get('seatlock_event_holds_created_total', { event: watched }), 0, 'listed: present at 0')
    for (const eventId of [watched, other]) {
      const held = await api.request('POST', `/v1/events/${eventId}/holds`, {
        body: { holder: 'p1', items: [{ section: 'g', quantity: 2 }] },
      })
      t.equal(held.status, 201)
      const confirmed = await api.request('POST', `/v1/events/${eventId}/holds/${held.body.id}/confirm`, {
        token: held.body.token,
      })
      t.equal(confirmed.status, 201)
      const refused = await api.request('POST', `/v1/events/${eventId}/holds`, {
        body: { holder: 'p2', items: [{ section: 'g', quantity: 1 }] },
      })
      t.equal(refused.status, 409)
    }
    const m = await scrape(api)
    t.equal(m.get('seatlock_event_holds_created_total', { event: watched }), 1)
    t.equal(m.get('seatlock_event_holds_confirmed_total', { event: watched }), 1)
    t.equal(m.get('seatlock_event_refusals_total', { event: watched, code: 'INSUFFICIENT_CAPACITY' }), 1)
    const labelled = m.samples.filter((s) => s.labels.event !== undefined)
    t.ok(labelled.length >= 3, `${labelled.length} per-event samples`)
    t.same(
      labelled.filter((s) => s.labels.event !== watched),
      [],
      'no series for an event that is not listed',
    )
  })
})
