/**
 * A paying buyer never loses their seats to a ledger blip. The ledger (real PostgreSQL) sits behind a
 * TCP proxy the test cuts: a confirm during the outage answers 503 LEDGER_UNAVAILABLE and leaves the
 * hold valid; once the ledger is back, and after the reconciler has looked at the pin, the buyer's
 * retry confirms it, until the hold's own expiry. Past that expiry the hold is fenced and freed as
 * expired (never "released"), and the abandoned attempt can no longer sell.
 */
import { randomUUID } from 'node:crypto'
import t from 'tap'
import { createPostgresLedger } from '../src/ledger/postgres.js'
import { createEvent, seats, startApp } from './helpers/app.js'
import { checkLedgerInvariants } from './helpers/invariants.js'
import { postgresTarget } from './helpers/ledgers.js'
import { pinnedSale } from './helpers/sales.js'
import { TcpProxy } from './helpers/tcp-proxy.js'
import { eventually } from './helpers/eventually.js'

const target = await postgresTarget()

t.test('a confirm that met an unreachable ledger can be retried until the hold expires', async (t) => {
  const url = new URL(target.url as string)
  const proxy = await TcpProxy.start(t, { host: url.hostname, port: Number(url.port || 5432) })
  url.port = String(proxy.port)
  const ledger = createPostgresLedger(url.toString())
  t.teardown(() => ledger.close())
  await ledger.init()
  // Jobs off: the test runs the reconciler itself, at the moments that matter.
  const api = await startApp(t, ledger, {}, undefined, { confirmGraceMs: 300, jobs: false })
  const { store, confirm } = api.services
  const eventId = await createEvent(api, { seated: { s: seats('S', 4) }, ga: { g: 10 } })
  const take = async (holder: string, items: unknown[], ttlSeconds: number) =>
    (await api.request('POST', `/v1/events/${eventId}/holds`, { body: { holder, items, ttlSeconds } })).body
  const paying = await take(
    'paying',
    [
      { section: 's', seats: ['S1'] },
      { section: 'g', quantity: 2 },
    ],
    300,
  )
  const short = await take('short', [{ section: 's', seats: ['S2'] }], 3)
  const confirmHold = (held: { id: string; token: string }) =>
    api.request('POST', `/v1/events/${eventId}/holds/${held.id}/confirm`, { token: held.token })

  proxy.cut()
  for (const held of [paying, short]) {
    const started = Date.now()
    const refused = await confirmHold(held)
    t.equal(refused.status, 503, 'the ledger is unreachable: 503')
    t.equal(refused.body.code, 'LEDGER_UNAVAILABLE')
    t.ok(refused.headers.get('retry-after'), 'with Retry-After')
    t.ok(Date.now() - started < 1500, `answered in ${Date.now() - started} ms`)
  }
  proxy.restore()

  // The ledger is back; the reconciler looks at the pins once their grace is over.
  await eventually(
    'both pins past their grace',
    async () => (await store.overduePins(eventId, await store.now(), 10)).length === 2,
    { deadlineMs: 3000 },
  )
  await eventually(
    'the ledger back',
    async () =>
      await ledger
        .ping()
        .then(() => true)
        .catch(() => false),
  )
  const first = await confirm.reconcile(eventId)
  t.same(first, { finalised: 0, freed: 0, deferred: 2 }, 'no sale in the ledger: both stay pinned')

  const paid = await confirmHold(paying)
  t.equal(paid.status, 201, "the buyer's retry after the blip confirms the hold")

  // The short hold's expiry passes with nobody retrying: it is fenced, then freed as expired.
  await eventually(
    'after its expiry the abandoned hold is freed',
    async () => {
      await confirm.reconcile(eventId)
      const read = await api.request('GET', `/v1/events/${eventId}/holds/${short.id}`, { token: short.token })
      return read.status === 410
    },
    { deadlineMs: 8000 },
  )
  const gone = await api.request('GET', `/v1/events/${eventId}/holds/${short.id}`, { token: short.token })
  t.equal(gone.body.code, 'HOLD_EXPIRED', 'and reads as expired, not released')
  const late = await confirmHold(short)
  t.equal(late.body.code, 'HOLD_EXPIRED', 'a retry after that is told it expired')
  const fence = await ledger.findReservationByHold(eventId, short.id)
  t.equal(fence?.status, 'voided', 'the fence holds the slot')
  const lateCommit = await ledger.confirm(
    pinnedSale(eventId, short.id, {
      kind: 'pinned',
      reservationId: randomUUID(),
      holder: 'short',
      items: [{ section: 's', seats: ['S2'] }],
      createdAt: Date.now(),
      expiresAt: Date.now(),
      tokenHash: 'x'.repeat(64),
    }),
  )
  t.equal(lateCommit.created, false, 'an abandoned attempt that commits late sells nothing')
  await checkLedgerInvariants(t, api, eventId, { confirmed: [paid.body.id], holds: [paying.id, short.id] })
})
