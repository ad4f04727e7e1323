/**
 * The end of an event's life: archive (an event that is over loses its Redis state for good; reads come
 * from the ledger; holds are refused on every instance; every reservation stays readable and cancellable)
 * and delete (only an event that never sold; a confirm racing it never leaves a sale for a missing event).
 */
import t from 'tap'
import { createReconciler } from '../src/jobs/index.js'
import { retireDueEvents } from '../src/jobs/retention.js'
import { sweepAll } from '../src/jobs/sweeper.js'
import { silentLog } from '../src/lib/silent-log.js'
import { activeIndexKey } from '../src/redis/active-events.js'
import { eachLedger, seats, startApp, uniqueId } from './helpers/app.js'
import type { TestApp } from './helpers/app.js'
import { residentIndexKey } from '../src/redis/keys.js'
import { eventKeys } from './helpers/event-keys.js'
import { checkLedgerInvariants } from './helpers/invariants.js'
import { sellThroughApi } from './helpers/sales.js'
import type { SaleLog } from './helpers/sales.js'

interface EventOptions {
  startsAt?: string | null
  salesCloseAt?: string
  seatCount?: number
}

async function createEvent(api: TestApp, options: EventOptions = {}): Promise<string> {
  const id = uniqueId('arc')
  const startsAt =
    options.startsAt === undefined ? new Date(Date.now() - 3600_000).toISOString() : options.startsAt
  const res = await api.request('POST', '/v1/events', {
    admin: true,
    body: {
      id,
      name: 'Last night',
      ...(startsAt === null ? {} : { startsAt }),
      ...(options.salesCloseAt === undefined ? {} : { salesCloseAt: options.salesCloseAt }),
      sections: [
        { id: 'vip', name: 'VIP', price: 1000, seats: seats('S', options.seatCount ?? 600) },
        { id: 'g', name: 'G', price: 500, capacity: 50 },
      ],
    },
  })
  if (res.status !== 201) throw new Error(`event not created: ${res.status} ${JSON.stringify(res.body)}`)
  return id
}

async function hold(api: TestApp, eventId: string, items: unknown[], admin = false) {
  return api.request('POST', `/v1/events/${eventId}/holds`, {
    body: { holder: uniqueId('buyer'), ttlSeconds: 600, items },
    admin,
  })
}

const archive = (api: TestApp, eventId: string) =>
  api.request('POST', `/v1/events/${eventId}/archive`, { admin: true })

void eachLedger(t, 'archive', async (t, ledger) => {
  await t.test(
    'end to end: keys gone, reads from the ledger, holds refused, reservations kept',
    async (t) => {
      const api = await startApp(t, ledger, {}, undefined, { jobs: false })
      const prefix = api.config.keyPrefix
      // 600 seats: two pages of seat keys to drop.
      const eventId = await createEvent(api)
      const sales: SaleLog = { holds: [], confirmed: [] }
      const a = await sellThroughApi(
        t,
        api,
        eventId,
        [
          { section: 'vip', seats: ['S1', 'S2'] },
          { section: 'g', quantity: 3 },
        ],
        sales,
      )
      const b = await sellThroughApi(t, api, eventId, [{ section: 'vip', seats: ['S3'] }], sales)
      const c = await sellThroughApi(t, api, eventId, [{ section: 'g', quantity: 5 }], sales)
      const released = await hold(api, eventId, [{ section: 'vip', seats: ['S9'] }])
      sales.holds.push(released.body.id as string)
      await api.request('DELETE', `/v1/events/${eventId}/holds/${released.body.id}`, {
        token: released.body.token as string,
      })
      t.ok((await eventKeys(api.redis, prefix, eventId)).length > 5, 'the event has keys in Redis')

      const archived = await archive(api, eventId)
      t.equal(archived.status, 200, 'archived')
      t.match(archived.body, { id: eventId, status: 'archived', archivedAt: String })
      t.match(
        archived.body.sections,
        [
          { id: 'vip', sold: 3, held: 0, available: 597 },
          { id: 'g', sold: 8, held: 0, available: 42 },
        ],
        'its counts, from the ledger',
      )
      t.same(await eventKeys(api.redis, prefix, eventId), [], 'no key of the event is left in Redis')
      t.equal(await api.redis.zscore(residentIndexKey(prefix), eventId), null, 'not in the retention index')
      t.equal(await api.redis.zscore(activeIndexKey(prefix), eventId), null, 'not in the jobs index')

      const view = await api.request('GET', `/v1/events/${eventId}`)
      t.equal(view.status, 200)
      t.same(view.body, archived.body, 'the event reads the same from the ledger')
      const seatView = await api.request('GET', `/v1/events/${eventId}/seats?section=vip`)
      t.same(
        (seatView.body.sections[0].seats as { status: string }[]).slice(0, 4).map((s) => s.status),
        ['sold', 'sold', 'sold', 'available'],
        'seats from the ledger',
      )
      const map = await api.request('GET', `/v1/events/${eventId}/seat-map?section=vip`)
      t.match(map.body.sections[0], { id: 'vip', sold: 3, held: 0, available: 597, status: /^sssa{597}$/ })

      for (const admin of [false, true]) {
        const refused = await hold(api, eventId, [{ section: 'g', quantity: 1 }], admin)
        t.match(
          refused,
          { status: 409, body: { code: 'EVENT_ARCHIVED' } },
          `a hold is refused (admin: ${admin})`,
        )
      }
      const stream = await api.request('GET', `/v1/events/${eventId}/stream`)
      t.match(stream, { status: 409, body: { code: 'EVENT_ARCHIVED' } }, 'so is a change stream')
      const patch = await api.request('PATCH', `/v1/events/${eventId}`, { admin: true, body: { name: 'x' } })
      t.match(patch, { status: 409, body: { code: 'EVENT_ARCHIVED' } }, 'and a change')
      const close = await api.request('POST', `/v1/events/${eventId}/sales/open`, { admin: true })
      t.match(close, { status: 409, body: { code: 'EVENT_ARCHIVED' } }, 'and reopening its sales')
      const released2 = await api.request('DELETE', `/v1/events/${eventId}/holders/someone/holds`, {
        admin: true,
      })
      t.match(released2, { status: 200, body: { released: 0 } }, 'a bulk release finds nothing to release')

      for (const sale of [a, b, c]) {
        const read = await api.request('GET', `/v1/events/${eventId}/reservations/${sale.reservationId}`, {
          token: sale.token,
        })
        t.match(read, { status: 200, body: { id: sale.reservationId, status: 'confirmed' } }, 'readable')
      }
      const list = await api.request('GET', `/v1/events/${eventId}/reservations?limit=10`, { admin: true })
      t.equal(list.body.items.length, 3, 'listed')
      t.equal(
        (
          await api.request('DELETE', `/v1/events/${eventId}/reservations/${a.reservationId}`, {
            token: a.token,
          })
        ).status,
        204,
        'cancelled by its holder',
      )
      t.equal(
        (
          await api.request('DELETE', `/v1/events/${eventId}/reservations/${c.reservationId}`, {
            admin: true,
          })
        ).status,
        204,
        'cancelled by an admin',
      )
      const again = await api.request('DELETE', `/v1/events/${eventId}/reservations/${a.reservationId}`, {
        token: a.token,
      })
      t.match(again, { status: 404, body: { code: 'RESERVATION_NOT_FOUND' } }, 'a repeat: already cancelled')
      const after = await api.request('GET', `/v1/events/${eventId}`)
      t.match(
        after.body.sections,
        [
          { id: 'vip', sold: 1, held: 0, available: 599 },
          { id: 'g', sold: 0, held: 0, available: 50 },
        ],
        'cancels gave the counts back in the ledger',
      )
      t.same(await eventKeys(api.redis, prefix, eventId), [], 'and wrote nothing to Redis')
      t.same(
        (await api.ledger.soldState(eventId)).sections.find((s) => s.id === 'vip')?.soldSeats,
        ['S3'],
        'S1 and S2 are free in the ledger',
      )
      await checkLedgerInvariants(t, api, eventId, { holds: sales.holds, confirmed: [b.reservationId] })

      const repeat = await archive(api, eventId)
      t.equal(repeat.status, 200, 'a repeat answers 200')
      t.equal(repeat.body.archivedAt, archived.body.archivedAt, 'with the first archive time')
      t.same(await eventKeys(api.redis, prefix, eventId), [], 'and leaves no key')

      const listed = await api.request('GET', '/v1/events?status=archived&limit=100', { admin: true })
      t.match(
        (listed.body.items as { id: string }[]).find((e) => e.id === eventId),
        { status: 'archived', salesState: 'archived', archivedAt: archived.body.archivedAt },
        'listed as archived',
      )
      const ended = await api.request('GET', '/v1/events?status=ended&limit=100', { admin: true })
      t.notOk(
        (ended.body.items as { id: string }[]).some((e) => e.id === eventId),
        'and no longer under another status',
      )
    },
  )

  await t.test('refused while the event is not over, and while something lives in it', async (t) => {
    const api = await startApp(t, ledger, {}, undefined, { jobs: false })
    const future = await createEvent(api, { startsAt: new Date(Date.now() + 86_400_000).toISOString() })
    const noStart = await createEvent(api, { startsAt: null })
    const gaHolds = new Map<string, { id: string; token: string }>()
    for (const eventId of [future, noStart]) {
      const res = await archive(api, eventId)
      t.match(res, { status: 409, body: { code: 'EVENT_NOT_ENDED', details: { eventId } } }, 'not over')
      const ga = await hold(api, eventId, [{ section: 'g', quantity: 1 }])
      t.equal(ga.status, 201, 'it still sells')
      gaHolds.set(eventId, ga.body as { id: string; token: string })
    }
    const ended = await createEvent(api, {
      startsAt: new Date(Date.now() + 86_400_000).toISOString(),
      salesCloseAt: new Date(Date.now() + 60_000).toISOString(),
    })
    t.match(await archive(api, ended), { status: 409, body: { code: 'EVENT_NOT_ENDED' } }, 'its sale runs')

    const live = await hold(api, future, [{ section: 'vip', seats: ['S1'] }])
    // Its sales closed by hand: over, whatever its start says.
    for (const eventId of [future, noStart])
      await api.request('POST', `/v1/events/${eventId}/sales/close`, { admin: true })
    const busy = await archive(api, future)
    t.match(busy, { status: 409, body: { code: 'EVENT_BUSY', details: { eventId: future } } }, 'live holds')
    const extended = await api.request('POST', `/v1/events/${future}/holds/${live.body.id}/extend`, {
      token: live.body.token as string,
      body: { ttlSeconds: 60 },
    })
    t.equal(extended.status, 200, 'the hold is intact after the refusal')
    const sold = await api.request('POST', `/v1/events/${future}/holds/${live.body.id}/confirm`, {
      token: live.body.token as string,
    })
    t.equal(sold.status, 201, 'and can be confirmed')
    t.match(
      await archive(api, future),
      { status: 409, body: { code: 'EVENT_BUSY' } },
      'the GA hold still lives',
    )
    for (const eventId of [future, noStart]) {
      const ga = gaHolds.get(eventId) as { id: string; token: string }
      await api.request('DELETE', `/v1/events/${eventId}/holds/${ga.id}`, { token: ga.token })
      const res = await archive(api, eventId)
      t.match(res, { status: 200, body: { status: 'archived' } }, 'archived once nothing lives in it')
    }
    t.match(
      await api.request('GET', `/v1/events/${future}`),
      {
        body: {
          sections: [
            { id: 'vip', sold: 1 },
            { id: 'g', sold: 0, held: 0 },
          ],
        },
      },
      'the sale made before the archive is kept',
    )
    t.match(await api.request('POST', `/v1/events/${uniqueId('nope')}/archive`, { admin: true }), {
      status: 404,
      body: { code: 'EVENT_NOT_FOUND' },
    })
    t.match(await api.request('POST', `/v1/events/${future}/archive`), {
      status: 401,
      body: { code: 'UNAUTHORIZED' },
    })
  })

  await t.test(
    'another instance stops selling at its next request; the jobs no longer visit it',
    async (t) => {
      // Three instances on one Redis and ledger: A archives, B and C had the event cached before.
      const a = await startApp(t, ledger, {}, undefined, { jobs: false })
      const prefix = a.config.keyPrefix
      const b = await startApp(t, ledger, { keyPrefix: prefix }, undefined, { jobs: false })
      const c = await startApp(t, ledger, { keyPrefix: prefix }, undefined, { jobs: false })
      const eventId = await createEvent(a, { seatCount: 20 })
      const sales: SaleLog = { holds: [], confirmed: [] }
      const sale = await sellThroughApi(
        t,
        b,
        eventId,
        [
          { section: 'vip', seats: ['S1'] },
          { section: 'g', quantity: 2 },
        ],
        sales,
      )
      for (const api of [b, c])
        t.equal((await api.request('GET', `/v1/events/${eventId}`)).status, 200, 'cached')
      t.ok((await b.services.store.activeEvents()).includes(eventId), 'visited by the jobs while it sells')

      t.equal((await archive(a, eventId)).status, 200, 'archived on A')
      const refused = await hold(b, eventId, [{ section: 'vip', seats: ['S2'] }])
      t.match(refused, { status: 409, body: { code: 'EVENT_ARCHIVED' } }, 'B refuses the very next hold')
      t.match(await hold(b, eventId, [{ section: 'g', quantity: 1 }]), {
        status: 409,
        body: { code: 'EVENT_ARCHIVED' },
      })
      t.same(await eventKeys(a.redis, prefix, eventId), [], 'and B rebuilt nothing')
      t.equal(await a.redis.zscore(activeIndexKey(prefix), eventId), null, 'nor left it in the jobs index')

      // C has not met the archive: its cancel asks the ledger, which makes it a ledger-only cancel.
      const cancelled = await c.request(
        'DELETE',
        `/v1/events/${eventId}/reservations/${sale.reservationId}`,
        {
          token: sale.token,
        },
      )
      t.equal(cancelled.status, 204, 'C cancels')
      t.same(await eventKeys(a.redis, prefix, eventId), [], 'without writing to Redis')
      t.match(
        (await c.request('GET', `/v1/events/${eventId}`)).body,
        {
          status: 'archived',
          sections: [
            { id: 'vip', sold: 0 },
            { id: 'g', sold: 0 },
          ],
        },
        'C reads it archived, counts from the ledger',
      )

      // The jobs: a sweep, a reconciler pass and a retention tick over everything they visit.
      const signal = new AbortController().signal
      t.notOk((await a.services.store.activeEvents()).includes(eventId), 'not among the events visited')
      await sweepAll(a.services.store, signal)
      await createReconciler(a.services, silentLog)(signal)
      t.match(await retireDueEvents(a.services, signal, Date.now() + 10 * 86_400_000), { busy: 0, lost: 0 })
      t.same(await eventKeys(a.redis, prefix, eventId), [], 'the jobs wrote nothing for it')
      await checkLedgerInvariants(t, a, eventId, { holds: sales.holds, confirmed: [] })
    },
  )
})
