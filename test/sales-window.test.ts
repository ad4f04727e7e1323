/**
 * Issue 13, item 2: an event's sales window and closing sales by hand, enforced by createHold from the
 * event's Redis meta, so every instance refuses or accepts from the next request.
 */
import t from 'tap'
import { eachLedger, startApp, uniqueId } from './helpers/app.js'
import type { TestApp } from './helpers/app.js'
import { eventually } from './helpers/eventually.js'

const inMs = (ms: number) => new Date(Date.now() + ms).toISOString()

async function createWindowed(api: TestApp, window: { salesOpenAt?: string; salesCloseAt?: string }) {
  const id = uniqueId('sale')
  const res = await api.request('POST', '/v1/events', {
    admin: true,
    body: {
      id,
      name: 'Windowed',
      ...window,
      sections: [
        { id: 's', name: 'S', price: 1000, seats: ['A1', 'A2', 'A3', 'A4'] },
        { id: 'g', name: 'G', price: 500, capacity: 20 },
      ],
    },
  })
  if (res.status !== 201) throw new Error(`event refused: ${res.status} ${JSON.stringify(res.body)}`)
  return { id, view: res.body }
}

const hold = (api: TestApp, eventId: string, admin = false, quantity = 1) =>
  api.request('POST', `/v1/events/${eventId}/holds`, {
    admin,
    body: { holder: uniqueId(admin ? 'box-office' : 'fan'), items: [{ section: 'g', quantity }] },
  })

await eachLedger(t, 'sales window', async (t, ledger) => {
  const api = await startApp(t, ledger, {}, undefined, { jobs: false })

  await t.test('the view shows the window; an event without one is on sale', async (t) => {
    const plain = await createWindowed(api, {})
    t.match(plain.view, { salesOpenAt: null, salesCloseAt: null, salesClosed: false })
    t.equal((await hold(api, plain.id)).status, 201, 'held')
    const windowed = await createWindowed(api, {
      salesOpenAt: '2026-01-01T09:00:00Z',
      salesCloseAt: '2099-01-01T09:00:00+01:00',
    })
    t.match(windowed.view, {
      salesOpenAt: '2026-01-01T09:00:00.000Z',
      salesCloseAt: '2099-01-01T08:00:00.000Z',
      salesClosed: false,
    })
    t.equal((await hold(api, windowed.id)).status, 201, 'held inside the window')
  })

  await t.test('a window that closes before it opens is refused', async (t) => {
    const res = await api.request('POST', '/v1/events', {
      admin: true,
      body: {
        name: 'Backwards',
        salesOpenAt: '2026-02-01T00:00:00Z',
        salesCloseAt: '2026-01-01T00:00:00Z',
        sections: [{ name: 'G', price: 1, capacity: 1 }],
      },
    })
    t.equal(res.status, 400)
    t.equal(res.body.code, 'INVALID_REQUEST')
    t.match(res.body.message, /salesOpenAt must be before salesCloseAt/)
  })

  await t.test('before the window opens: 409 SALES_NOT_OPEN, then accepted once it opens', async (t) => {
    const opensAt = inMs(600)
    const { id } = await createWindowed(api, { salesOpenAt: opensAt })
    const early = await hold(api, id)
    t.equal(early.status, 409)
    t.equal(early.body.code, 'SALES_NOT_OPEN')
    t.same(early.body.details, { salesOpenAt: opensAt }, 'says when it opens')
    t.equal((await hold(api, id, true)).status, 201, 'the box office (admin) sells before it')
    // Redis time decides: the first accepted hold comes once the opening has passed, and nothing before.
    const accepted = await eventually(
      'sales to open',
      async () => {
        const res = await hold(api, id)
        if (res.status === 409) t.equal(res.body.code, 'SALES_NOT_OPEN', 'refused only as not open')
        return res.status === 201 && res
      },
      { deadlineMs: 5000, intervalMs: 50 },
    )
    t.ok(Date.parse(accepted.body.createdAt) >= Date.parse(opensAt), 'accepted from the opening on')
  })

  await t.test('after the window closes: 409 SALES_CLOSED (ended); admins still hold', async (t) => {
    const { id } = await createWindowed(api, { salesOpenAt: inMs(-60_000), salesCloseAt: inMs(300) })
    const res = await eventually('the window to close', async () => {
      const r = await hold(api, id)
      return r.status === 409 && r
    })
    t.equal(res.body.code, 'SALES_CLOSED')
    t.same(res.body.details, { reason: 'ended' })
    t.equal((await hold(api, id, true)).status, 201, 'the box office (admin) sells after it')
  })

  await t.test('a window in the ledger holds after Redis lost the event', async (t) => {
    const { id } = await createWindowed(api, { salesOpenAt: inMs(3_600_000) })
    const k = api.services.store.keys(id)
    await api.redis.del(k.meta, k.counts)
    const res = await hold(api, id)
    t.equal(res.status, 409, 'rebuilt from the ledger, still not open')
    t.equal(res.body.code, 'SALES_NOT_OPEN')
  })
})

await eachLedger(t, 'closing and reopening sales', async (t, ledger) => {
  const first = await startApp(t, ledger, {}, undefined, { jobs: false })
  // A second instance sharing Redis (same key prefix) and the ledger, as a second process would.
  const second = await startApp(t, ledger, { keyPrefix: first.config.keyPrefix }, undefined, { jobs: false })

  await t.test(
    'close on one instance: the next hold on the other is refused; reopen: accepted',
    async (t) => {
      const { id } = await createWindowed(first, {})
      t.equal((await hold(second, id)).status, 201, 'on sale, and cached on the second instance')

      const closed = await first.request('POST', `/v1/events/${id}/sales/close`, { admin: true })
      t.equal(closed.status, 200)
      t.equal(closed.body.salesClosed, true, 'the view says closed')
      const refused = await hold(second, id)
      t.equal(refused.status, 409, 'refused at once on the other instance')
      t.equal(refused.body.code, 'SALES_CLOSED')
      t.same(refused.body.details, { reason: 'closed' })
      t.equal((await hold(second, id, true)).status, 201, 'the box office (admin) still sells')

      const reopened = await first.request('POST', `/v1/events/${id}/sales/open`, { admin: true })
      t.equal(reopened.status, 200)
      t.equal(reopened.body.salesClosed, false)
      t.equal((await hold(second, id)).status, 201, 'accepted at once on the other instance')
    },
  )

  await t.test('a close survives the loss of the Redis state (the ledger keeps it)', async (t) => {
    const { id } = await createWindowed(first, {})
    t.equal((await first.request('POST', `/v1/events/${id}/sales/close`, { admin: true })).status, 200)
    const k = first.services.store.keys(id)
    await first.redis.del(k.meta, k.counts)
    const res = await hold(second, id)
    t.equal(res.status, 409)
    t.equal(res.body.code, 'SALES_CLOSED')
  })

  await t.test('a load that read the ledger before a close does not reopen the sale', async (t) => {
    const { id } = await createWindowed(first, {})
    const { store } = first.services
    const k = store.keys(id)
    await first.redis.del(k.meta, k.counts)
    // The close lands between a loader's ledger read (still open) and its write to Redis.
    const stale = { openAt: null, closeAt: null, closed: false }
    t.equal((await first.request('POST', `/v1/events/${id}/sales/close`, { admin: true })).status, 200)
    await first.redis.del(k.counts) // the close's view loaded the event: make it load again
    await first.redis.hdel(k.meta, 'ready')
    const event = await first.services.events.get(id)
    await store.load(id, event.definition.sections, new Map(), stale, null)
    const res = await hold(second, id)
    t.equal(res.body.code, 'SALES_CLOSED', 'the newer close stays')
  })

  await t.test('admin only, and only known events', async (t) => {
    const { id } = await createWindowed(first, {})
    const anonymous = await first.request('POST', `/v1/events/${id}/sales/close`)
    t.equal(anonymous.status, 401)
    t.equal(anonymous.body.code, 'UNAUTHORIZED')
    for (const action of ['close', 'open']) {
      const missing = await first.request('POST', `/v1/events/${uniqueId('nope')}/sales/${action}`, {
        admin: true,
      })
      t.equal(missing.status, 404, action)
      t.equal(missing.body.code, 'EVENT_NOT_FOUND')
    }
  })
})
