/**
 * The drift reconciler never heals what is not drift: run flat out during a rush of confirms and cancels
 * (the ledger commits before Redis finalises, cancels return after the ledger), it must find nothing to
 * heal, and afterwards the views equal the ledger. Then real drift (Redis told nothing of a ledger cancel
 * and of a ledger sale) is healed and counted.
 */
import t from 'tap'
import { DriftReconciler } from '../src/jobs/drift.js'
import { EventKeys } from '../src/redis/keys.js'
import { createEvent, eachLedger, seats, startApp } from './helpers/app.js'
import type { TestApp } from './helpers/app.js'
import { eventually } from './helpers/eventually.js'
import { checkLedgerInvariants } from './helpers/invariants.js'
import { ledgerSale } from './helpers/sales.js'

async function viewsEqualLedger(api: TestApp, eventId: string): Promise<boolean> {
  const [view, seatView, state] = await Promise.all([
    api.request('GET', `/v1/events/${eventId}`),
    api.request('GET', `/v1/events/${eventId}/seats`),
    api.ledger.soldState(eventId),
  ])
  for (const s of state.sections) {
    const shown = (view.body.sections as { id: string; sold: number }[]).find((x) => x.id === s.id)
    if (shown?.sold !== s.sold) return false
    const seatsShown = (
      seatView.body.sections as { id: string; seats: { seat: string; status: string }[] }[]
    ).find((x) => x.id === s.id)
    const sold = new Set(s.soldSeats)
    for (const { seat, status } of seatsShown?.seats ?? [])
      if ((status === 'sold') !== sold.has(seat)) return false
  }
  return true
}

await eachLedger(t, 'drift reconciler', async (t, ledger) => {
  // The app's own jobs off: this test drives the reconciler itself, as fast as it can.
  const api = await startApp(t, ledger, {}, undefined, { jobs: false })
  const { store, events } = api.services
  const drift = new DriftReconciler(store, ledger, events)

  await t.test('no false heal during a rush of confirms and cancels', async (t) => {
    const eventId = await createEvent(api, { seated: { s: seats('S', 60) }, ga: { g: 120 } })
    let running = true
    let passes = 0
    let falseHeals = 0
    const reconciler = (async () => {
      while (running) {
        const report = await drift.reconcile(eventId, true)
        falseHeals += report.seats + report.counts
        passes++
      }
    })()
    const confirmed: string[] = []
    const holds: string[] = []
    await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        for (let round = 0; round < 2; round++) {
          const seat = `S${i * 2 + round + 1}`
          const held = await api.request('POST', `/v1/events/${eventId}/holds`, {
            body: {
              holder: `buyer-${i}-${round}`,
              items: [
                { section: 's', seats: [seat] },
                { section: 'g', quantity: 2 },
              ],
            },
          })
          if (held.status !== 201) throw new Error(`hold ${held.status}`)
          holds.push(held.body.id)
          const sale = await api.request('POST', `/v1/events/${eventId}/holds/${held.body.id}/confirm`, {
            token: held.body.token,
          })
          if (sale.status !== 201) throw new Error(`confirm ${sale.status}`)
          if ((i + round) % 2 === 0) {
            const cancel = await api.request('DELETE', `/v1/events/${eventId}/reservations/${sale.body.id}`, {
              token: held.body.token,
            })
            if (cancel.status !== 204) throw new Error(`cancel ${cancel.status}`)
          } else {
            confirmed.push(sale.body.id)
          }
        }
      }),
    )
    running = false
    await reconciler
    t.comment(`${passes} reconciler passes during the rush`)
    t.ok(passes >= 5, 'the reconciler ran throughout the rush')
    t.equal(falseHeals, 0, 'it healed nothing: nothing had drifted')
    t.ok(await viewsEqualLedger(api, eventId), 'views = ledger')
    const after = await drift.reconcile(eventId, true)
    t.same(after, { seats: 0, counts: 0, retry: false }, 'a quiet pass finds nothing')
    await checkLedgerInvariants(t, api, eventId, { confirmed, holds })
  })

  await t.test('real drift is healed and counted: a cancel and a sale Redis never heard of', async (t) => {
    const eventId = await createEvent(api, { seated: { s: seats('S', 4) }, ga: { g: 10 } })
    const keys = new EventKeys(api.config.keyPrefix, eventId)
    const held = await api.request('POST', `/v1/events/${eventId}/holds`, {
      body: {
        holder: 'gone',
        items: [
          { section: 's', seats: ['S1'] },
          { section: 'g', quantity: 3 },
        ],
      },
    })
    const sale = await api.request('POST', `/v1/events/${eventId}/holds/${held.body.id}/confirm`, {
      token: held.body.token,
    })
    // The ledger cancels it and sells S2, S3 + 4 units elsewhere; Redis hears of neither.
    await ledger.cancel(eventId, sale.body.id)
    const other = await ledger.confirm(
      ledgerSale(eventId, [
        { section: 's', seats: ['S2', 'S3'] },
        { section: 'g', quantity: 4 },
      ]),
    )
    t.notOk(await viewsEqualLedger(api, eventId), 'Redis drifted')
    const report = await drift.reconcile(eventId)
    t.same(report, { seats: 3, counts: 1, retry: false }, 'three seat keys and the GA count healed')
    t.ok(await viewsEqualLedger(api, eventId), 'views = ledger')
    t.equal(await api.redis.get(keys.seat('s', 'S2')), `$${other.reservation.id}`, 'S2 names its reservation')
    t.equal(await api.redis.get(keys.seat('s', 'S1')), null, 'S1 is free')
    t.same(await drift.reconcile(eventId, true), { seats: 0, counts: 0, retry: false }, 'healed once')
  })

  await t.test(
    'during a rush a moving difference is not compared seat by seat; a still one is',
    async (t) => {
      const eventId = await createEvent(api, { seated: { s: seats('S', 6) } })
      let scans = 0
      const read = store.seatValues.bind(store)
      store.seatValues = async (...args: Parameters<typeof read>) => {
        scans++
        return read(...args)
      }
      t.teardown(() => {
        store.seatValues = read
      })
      // A confirm in flight: its hold is pinned, so the ledger may be ahead of Redis by its sale.
      const held = await api.request('POST', `/v1/events/${eventId}/holds`, {
        body: { holder: 'paying', items: [{ section: 's', seats: ['S1'] }] },
      })
      await store.pin(eventId, held.body.id, { tokenHash: '', admin: true }, 'r-in-flight', 60_000)
      // Sales Redis has not heard of, as in a rush: the ledger's count moves between passes.
      await ledger.confirm(ledgerSale(eventId, [{ section: 's', seats: ['S2'] }]))
      t.same(await drift.reconcile(eventId), { seats: 0, counts: 0, retry: false }, 'first sight: no scan')
      await ledger.confirm(ledgerSale(eventId, [{ section: 's', seats: ['S3'] }]))
      t.same(await drift.reconcile(eventId), { seats: 0, counts: 0, retry: false }, 'it moved: no scan')
      t.equal(scans, 0, 'no seat key was read while the counts moved')
      const still = await drift.reconcile(eventId)
      t.equal(scans, 1, 'the same difference a pass later: compared seat by seat')
      t.same(still, { seats: 2, counts: 0, retry: false }, 'and healed')
    },
  )

  await t.test('a cancel in flight holds GA heals back until its deadline, then is taken over', async (t) => {
    const eventId = await createEvent(api, { ga: { g: 10 } })
    const held = await api.request('POST', `/v1/events/${eventId}/holds`, {
      body: { holder: 'slow', items: [{ section: 'g', quantity: 3 }] },
    })
    const sale = await api.request('POST', `/v1/events/${eventId}/holds/${held.body.id}/confirm`, {
      token: held.body.token,
    })
    // A cancel marked in flight (600 ms), whose ledger step committed; its Redis step has not run yet.
    await store.markCancelling(eventId, sale.body.id, 600)
    const cancelled = await ledger.cancel(eventId, sale.body.id)
    const early = await drift.reconcile(eventId)
    t.same(early, { seats: 0, counts: 0, retry: true }, 'the GA count waits while the cancel is in flight')
    await eventually(
      'after the deadline the reconciler takes the cancel over',
      async () => (await drift.reconcile(eventId)).counts === 1,
      { deadlineMs: 3000 },
    )
    const late = await store.returnSeats(eventId, sale.body.id, cancelled?.items ?? [])
    t.same(late, { seats: 0, units: 0 }, 'the late Redis step returns nothing twice')
    const view = await api.request('GET', `/v1/events/${eventId}`)
    t.match(view.body.sections[0], { sold: 0, available: 10 }, 'the units came back exactly once')
  })
  await t.test('a cancel in flight holds the seat heal back; its own return frees the seat', async (t) => {
    const eventId = await createEvent(api, { seated: { s: seats('S', 4) } })
    const held = await api.request('POST', `/v1/events/${eventId}/holds`, {
      body: { holder: 'slow', items: [{ section: 's', seats: ['S1', 'S2'] }] },
    })
    const sale = await api.request('POST', `/v1/events/${eventId}/holds/${held.body.id}/confirm`, {
      token: held.body.token,
    })
    t.equal(sale.status, 201)
    // The cancel's ledger step committed; its Redis step (returnSeats) has not run yet.
    await store.markCancelling(eventId, sale.body.id, 5000)
    const cancelled = await ledger.cancel(eventId, sale.body.id)
    const early = await drift.reconcile(eventId, true)
    t.same(early, { seats: 0, counts: 0, retry: true }, 'the seats wait for the cancel in flight: no heal')
    const returned = await store.returnSeats(eventId, sale.body.id, cancelled?.items ?? [])
    t.equal(returned.seats, 2, 'the cancel itself returns its seats')
    t.same(
      await drift.reconcile(eventId, true),
      { seats: 0, counts: 0, retry: false },
      'nothing to heal after',
    )
    t.ok(await viewsEqualLedger(api, eventId), 'views equal the ledger')
  })
})
