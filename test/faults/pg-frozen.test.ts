/**
 * Fault: the ledger freezes (PostgreSQL stopped with SIGSTOP: connections stay open, nothing answers,
 * statement_timeout cannot fire). The contract: 503 LEDGER_UNAVAILABLE with Retry-After "within about a
 * second", never queued behind the dead connection, and the hold stays valid so the buyer's retry
 * confirms it once the ledger is back.
 */
import t from 'tap'
import { createPostgresLedger } from '../../src/ledger/postgres.js'
import { createEvent, seats, startApp } from '../helpers/app.js'
import type { TestApp, TestResponse } from '../helpers/app.js'
import { eventually } from '../helpers/eventually.js'
import { PgCluster } from '../helpers/pg-cluster.js'

/** "About a second": the adapter's 1 s budget plus HTTP and scheduling. */
const FAIL_FAST_MS = 1500

async function timed(call: () => Promise<TestResponse>): Promise<{ res: TestResponse; ms: number }> {
  const start = performance.now()
  const res = await call()
  return { res, ms: Math.round(performance.now() - start) }
}

t.test('a frozen ledger answers 503 within about a second; the hold confirms once it thaws', async (t) => {
  const cluster = await PgCluster.start(t)
  const ledger = createPostgresLedger(cluster.url(), { applicationName: 'seatlock-frozen' })
  t.teardown(() => ledger.close())
  await ledger.init()
  const api: TestApp = await startApp(t, ledger)
  const eventId = await createEvent(api, { seated: { s: seats('S', 4) }, ga: { g: 10 } })
  const held = await api.request('POST', `/v1/events/${eventId}/holds`, {
    body: {
      holder: 'buyer',
      ttlSeconds: 300,
      items: [
        { section: 's', seats: ['S1'] },
        { section: 'g', quantity: 2 },
      ],
    },
  })
  t.equal(held.status, 201, 'hold taken')
  const hold = held.body as { id: string; token: string }
  const confirmHold = (h: { id: string; token: string }) =>
    api.request('POST', `/v1/events/${eventId}/holds/${h.id}/confirm`, { token: h.token })
  const confirm = () => confirmHold(hold)
  // Buyers confirming at the same moment (the group commit queues them behind one transaction).
  const rush: { id: string; token: string }[] = []
  for (let i = 0; i < 3; i++) {
    const res = await api.request('POST', `/v1/events/${eventId}/holds`, {
      body: { holder: `rush-${i}`, ttlSeconds: 300, items: [{ section: 'g', quantity: 1 }] },
    })
    t.equal(res.status, 201, `rush hold ${i} taken`)
    rush.push(res.body as { id: string; token: string })
  }
  t.equal((await api.request('GET', '/ready')).status, 200, 'ready before the freeze')

  const frozen = await cluster.freeze()
  t.comment(`froze ${frozen.length} server processes (postmaster and backends)`)

  // The pool holds an idle connection to the frozen server: the confirm's statements go unanswered.
  const first = await timed(confirm)
  t.equal(first.res.status, 503, 'confirm on an idle pooled connection: 503')
  t.equal(first.res.body.code, 'LEDGER_UNAVAILABLE')
  t.ok(first.res.headers.get('retry-after'), 'with Retry-After')
  t.ok(first.ms < FAIL_FAST_MS, `answered in ${first.ms} ms (limit ${FAIL_FAST_MS})`)

  // That connection was destroyed, not pooled: the next confirm opens one, which is never answered.
  const second = await timed(confirm)
  t.equal(second.res.status, 503, 'confirm on a new connection: 503')
  t.equal(second.res.body.code, 'LEDGER_UNAVAILABLE')
  t.ok(second.res.headers.get('retry-after'), 'with Retry-After')
  t.ok(second.ms < FAIL_FAST_MS, `answered in ${second.ms} ms (limit ${FAIL_FAST_MS})`)

  const together = await Promise.all(rush.map((h) => timed(() => confirmHold(h))))
  t.same(
    together.map((r) => r.res.status),
    [503, 503, 503],
    'concurrent confirms: 503 each',
  )
  const slowest = Math.max(...together.map((r) => r.ms))
  t.ok(slowest < FAIL_FAST_MS, `concurrent confirms answered within ${slowest} ms (limit ${FAIL_FAST_MS})`)

  const ready = await timed(() => api.request('GET', '/ready'))
  t.equal(ready.res.status, 503, '/ready: 503')
  t.same(ready.res.body, { status: 'unavailable', redis: 'up', ledger: 'down' }, 'naming the ledger')
  t.ok(ready.ms < FAIL_FAST_MS, `/ready answered in ${ready.ms} ms (limit ${FAIL_FAST_MS})`)

  const view = await api.request('GET', `/v1/events/${eventId}/holds/${hold.id}`, { token: hold.token })
  t.equal(view.status, 200, 'the hold is still there while the ledger is frozen')

  await cluster.thaw()
  // The abandoned connections' statements run now, then the server sees them closed; the retry is new.
  let retried: TestResponse | undefined
  await eventually(
    'a confirm after the thaw to be answered by the ledger',
    async () => {
      retried = await confirm()
      return retried.status !== 503
    },
    { deadlineMs: 10_000, intervalMs: 5 },
  )
  // The confirm answered 503 was one statement (its own transaction) already in the server's socket: it
  // may commit at the thaw. Then the retry finds that sale (200, the same reservation); else it makes it.
  t.ok(
    retried?.status === 201 || retried?.status === 200,
    `the same hold confirms once the ledger is back (${retried?.status})`,
  )
  t.equal(retried?.body.holdId, hold.id)
  t.equal((await api.request('GET', '/ready')).status, 200, 'ready again')
  const again = await confirm()
  t.equal(again.status, 200, 'confirming again returns the same reservation')
  t.equal(again.body.id, retried?.body.id)
  for (const h of rush)
    t.equal((await confirmHold(h)).status, 201, `rush hold ${h.id} confirms after the thaw`)
})
