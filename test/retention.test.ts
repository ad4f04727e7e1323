/**
 * An event's Redis state ends: once EVENT_RETENTION_S has passed since its start and nothing lives in it
 * (no hold, no pin, no change stream), the retention job deletes every key of the event in pages (a SCAN
 * of its hash tag finds nothing), and the next request that needs it rebuilds it from the ledger, with
 * the seats and units sold before still sold.
 */
import t from 'tap'
import { retireDueEvents } from '../src/jobs/retention.js'
import { EventKeys, residentIndexKey } from '../src/redis/keys.js'
import { eachLedger, seats, startApp, uniqueId } from './helpers/app.js'
import type { TestApp } from './helpers/app.js'
import { eventually } from './helpers/eventually.js'
import { eventKeys } from './helpers/event-keys.js'
import { checkLedgerInvariants } from './helpers/invariants.js'
import { sellThroughApi } from './helpers/sales.js'
import type { SaleLog } from './helpers/sales.js'

async function createPastEvent(api: TestApp, seatCount: number): Promise<string> {
  const id = uniqueId('past')
  const res = await api.request('POST', '/v1/events', {
    admin: true,
    body: {
      id,
      name: 'Yesterday',
      startsAt: new Date(Date.now() - 3600_000).toISOString(),
      sections: [
        { id: 'vip', name: 'VIP', price: 1000, seats: seats('S', seatCount) },
        { id: 'g', name: 'G', price: 500, capacity: 50 },
      ],
    },
  })
  if (res.status !== 201) throw new Error(`event not created: ${res.status}`)
  return id
}

async function hold(api: TestApp, eventId: string, items: unknown[], headers: Record<string, string> = {}) {
  return api.request('POST', `/v1/events/${eventId}/holds`, {
    body: { holder: uniqueId('buyer'), ttlSeconds: 600, items },
    headers,
  })
}

void eachLedger(t, 'retention', async (t, ledger) => {
  await t.test(
    'a past event leaves no keys, and is rebuilt from the ledger with sold seats sold',
    async (t) => {
      // The instance that sells runs no jobs; the retention job runs on a second one, started after the sales.
      const api = await startApp(t, ledger, { eventRetentionS: 0 }, undefined, { jobs: false })
      const prefix = api.config.keyPrefix
      // 1,200 seats: three pages of seat keys.
      const eventId = await createPastEvent(api, 1200)
      const sales: SaleLog = { holds: [], confirmed: [] }
      const first = await sellThroughApi(
        t,
        api,
        eventId,
        [
          { section: 'vip', seats: ['S1', 'S2', 'S3'] },
          { section: 'g', quantity: 4 },
        ],
        sales,
      )
      await sellThroughApi(t, api, eventId, [{ section: 'vip', seats: ['S4'] }], sales, {
        'idempotency-key': 'k-1',
      })
      const released = await hold(api, eventId, [{ section: 'vip', seats: ['S5'] }])
      sales.holds.push(released.body.id as string)
      t.equal(
        (
          await api.request('DELETE', `/v1/events/${eventId}/holds/${released.body.id}`, {
            token: released.body.token as string,
          })
        ).status,
        204,
        'a released hold (its tombstone stays in Redis)',
      )
      t.ok((await eventKeys(api.redis, prefix, eventId)).length > 5, 'the event has keys in Redis')

      await startApp(t, ledger, { keyPrefix: prefix, eventRetentionS: 0 }, undefined, {
        retentionIntervalMs: 100,
      })
      const gone = async () => (await eventKeys(api.redis, prefix, eventId)).length === 0
      await eventually('the retention job to remove every key of the event', gone, {
        deadlineMs: 10_000,
      })
      t.equal(await api.redis.zscore(residentIndexKey(prefix), eventId), null, 'and its resident entry')

      // A hold is the first request: it rebuilds the state from the ledger, where S1 is sold.
      const again = await hold(api, eventId, [{ section: 'vip', seats: ['S1', 'S6'] }])
      t.equal(again.status, 409, 'a hold on a sold seat of the evicted event is refused')
      t.same(
        again.body.details?.seats,
        [{ section: 'vip', seat: 'S1' }],
        'S1 is still sold after the rebuild',
      )
      await eventually('evicted again (nothing lives in it)', gone, { deadlineMs: 10_000 })

      // A read is the first request this time.
      const view = await api.request('GET', `/v1/events/${eventId}`)
      t.equal(view.status, 200, 'the evicted event is readable')
      t.match(
        view.body.sections,
        [
          { id: 'vip', sold: 4, held: 0, available: 1196 },
          { id: 'g', sold: 4, held: 0, available: 46 },
        ],
        'counts rebuilt from the ledger',
      )
      const seatView = await api.request('GET', `/v1/events/${eventId}/seats?section=vip`)
      const statuses = (seatView.body.sections[0].seats as { seat: string; status: string }[]).slice(0, 6)
      t.same(
        statuses.map((s) => s.status),
        ['sold', 'sold', 'sold', 'sold', 'available', 'available'],
        'S1-S4 sold, S5 (released) and S6 available',
      )
      const readHold = await api.request('GET', `/v1/events/${eventId}/holds/${first.holdId}`, {
        token: first.token,
      })
      t.match(
        readHold.body,
        { status: 'confirmed', reservationId: first.reservationId },
        'a sold hold reads from the ledger',
      )
      // 46 GA units are left: four holds of 10 take 40.
      for (let i = 0; i < 4; i++) {
        const ga = await hold(api, eventId, [{ section: 'g', quantity: 10 }])
        t.equal(ga.status, 201, `GA units that are left can be held (${i + 1})`)
        sales.holds.push(ga.body.id as string)
      }
      const refused = await api.request('POST', `/v1/events/${eventId}/holds`, {
        body: { holder: 'refused', items: [{ section: 'g', quantity: 10 }] },
      })
      t.match(
        refused.body,
        { code: 'INSUFFICIENT_CAPACITY', details: { available: 6 } },
        'sold units stay sold',
      )
      await sellThroughApi(t, api, eventId, [{ section: 'vip', seats: ['S5', 'S6'] }], sales)
      await checkLedgerInvariants(t, api, eventId, sales)
    },
  )

  await t.test('a live hold keeps the state; a rebuild fences a stalled eviction', async (t) => {
    const api = await startApp(t, ledger, { eventRetentionS: 0 }, undefined, { jobs: false })
    const prefix = api.config.keyPrefix
    const eventId = await createPastEvent(api, 10)
    const live = await hold(api, eventId, [{ section: 'vip', seats: ['S1'] }])
    t.equal(live.status, 201, 'a live hold')
    const signal = new AbortController().signal
    const busy = await retireDueEvents(api.services, signal)
    t.match(busy, { evicted: 0, busy: 1 }, 'an event with a live hold is not evicted')
    const renewed = await api.request('POST', `/v1/events/${eventId}/holds/${live.body.id}/extend`, {
      token: live.body.token as string,
      body: { ttlSeconds: 60 },
    })
    t.equal(renewed.status, 200, 'the hold is intact')
    t.equal(
      (
        await api.request('DELETE', `/v1/events/${eventId}/holds/${live.body.id}`, {
          token: live.body.token as string,
        })
      ).status,
      204,
      'released',
    )
    const later = await retireDueEvents(api.services, signal, Date.now() + 3600_000)
    t.match(later, { evicted: 1 }, 'evicted once nothing lives in it (looked at again later)')
    t.same(await eventKeys(api.redis, prefix, eventId), [], 'no key left')

    // An evictor that stalled past its lock: a rebuild runs meanwhile and removes the eviction's token, so
    // the evictor's next page deletes nothing of the rebuilt state.
    const event = await api.services.events.get(eventId)
    await api.services.events.ensureLoaded(event)
    const k = new EventKeys(prefix, eventId)
    const [retired] = await api.redis.retireEvent(4, k.meta, k.expiry, k.confirming, k.watched, 'stalled')
    t.equal(retired, 1, 'retired by the stalled evictor')
    t.equal(
      (await api.request('GET', `/v1/events/${eventId}`)).status,
      200,
      'a request rebuilds it meanwhile',
    )
    const [owned] = await api.redis.dropEventKeys(2, k.meta, k.counts, 'stalled', '1')
    t.equal(owned, 0, "the stalled evictor's page is refused")
    t.equal(await api.redis.hget(k.meta, 'ready'), '1', 'the rebuilt state is live')
    const after = await hold(api, eventId, [{ section: 'vip', seats: ['S2'] }])
    t.equal(after.status, 201, 'and takes holds')
  })
})
