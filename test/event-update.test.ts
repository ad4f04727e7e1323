/**
 * Issue 13, item 2: an admin changes what can change safely (PATCH /v1/events/:id): name, start, sales
 * window, and prices until the first sale. Other instances serve the change within REVALIDATE_MS.
 */
import t from 'tap'
import { eachLedger, startApp, uniqueId } from './helpers/app.js'
import type { TestApp } from './helpers/app.js'
import { eventually } from './helpers/eventually.js'

async function createConcert(api: TestApp) {
  const id = uniqueId('upd')
  const res = await api.request('POST', '/v1/events', {
    admin: true,
    body: {
      id,
      name: 'Concert',
      startsAt: '2026-12-01T19:00:00Z',
      categories: { P1: 9000 },
      sections: [
        { id: 's', name: 'S', price: 1000, rows: [{ row: 'A', seats: '1-4', category: 'P1' }] },
        { id: 'g', name: 'G', price: 500, capacity: 20 },
      ],
    },
  })
  if (res.status !== 201) throw new Error(`event refused: ${res.status} ${JSON.stringify(res.body)}`)
  return id
}

const patch = (api: TestApp, id: string, body: unknown, admin = true) =>
  api.request('PATCH', `/v1/events/${id}`, { admin, body })

async function sell(api: TestApp, id: string) {
  const held = await api.request('POST', `/v1/events/${id}/holds`, {
    body: { holder: uniqueId('fan'), items: [{ section: 'g', quantity: 1 }] },
  })
  if (held.status !== 201) throw new Error(`hold refused: ${held.status} ${JSON.stringify(held.body)}`)
  return api.request('POST', `/v1/events/${id}/holds/${held.body.id}/confirm`, { token: held.body.token })
}

await eachLedger(t, 'updating an event', async (t, ledger) => {
  const first = await startApp(t, ledger, {}, undefined, { jobs: false })
  const second = await startApp(t, ledger, { keyPrefix: first.config.keyPrefix }, undefined, { jobs: false })

  await t.test('name, start, window and prices change; the other instance serves them soon', async (t) => {
    const id = await createConcert(first)
    t.equal((await second.request('GET', `/v1/events/${id}`)).body.name, 'Concert', 'cached on the second')
    const res = await patch(first, id, {
      name: 'Concert (moved)',
      startsAt: '2026-12-02T19:00:00+01:00',
      salesCloseAt: '2026-12-02T17:00:00Z',
      prices: { sections: { g: 650 }, categories: { P1: 9500 } },
    })
    t.equal(res.status, 200, 'changed', { body: res.body })
    t.match(res.body, {
      name: 'Concert (moved)',
      startsAt: '2026-12-02T18:00:00.000Z',
      salesOpenAt: null,
      salesCloseAt: '2026-12-02T17:00:00.000Z',
      salesClosed: false,
      categories: { P1: 9500 },
    })
    t.equal(res.body.sections[1].price, 650)
    t.equal(res.body.sections[0].rows.length, 1, 'the layout is untouched')
    await eventually(
      'the second instance to serve the change',
      async () => (await second.request('GET', `/v1/events/${id}`)).body.name === 'Concert (moved)',
      { deadlineMs: 10_000, intervalMs: 100 },
    )
    const sale = await sell(second, id)
    t.equal(sale.status, 201)
    t.equal(sale.body.amount, 650, 'the second instance charges the new price')
  })

  await t.test('a window set by PATCH applies to the next hold on every instance', async (t) => {
    const id = await createConcert(first)
    const res = await patch(first, id, { salesOpenAt: '2099-01-01T00:00:00Z' })
    t.equal(res.status, 200)
    const refused = await second.request('POST', `/v1/events/${id}/holds`, {
      body: { holder: 'fan', items: [{ section: 'g', quantity: 1 }] },
    })
    t.equal(refused.body.code, 'SALES_NOT_OPEN')
    t.equal((await patch(second, id, { salesOpenAt: null })).status, 200, 'opening time removed')
    t.equal((await sell(first, id)).status, 201, 'on sale again')
    const backwards = await patch(first, id, {
      salesOpenAt: '2026-03-01T00:00:00Z',
      salesCloseAt: '2026-02-01T00:00:00Z',
    })
    t.equal(backwards.status, 400)
    t.equal(backwards.body.code, 'INVALID_REQUEST')
  })

  await t.test('prices are locked after the first sale: 409 PRICES_LOCKED', async (t) => {
    const id = await createConcert(first)
    t.equal((await sell(first, id)).status, 201, 'sold')
    for (const prices of [{ sections: { g: 700 } }, { categories: { P1: 1 } }]) {
      const res = await patch(first, id, { prices })
      t.equal(res.status, 409)
      t.equal(res.body.code, 'PRICES_LOCKED')
    }
    const renamed = await patch(first, id, { name: 'Still on' })
    t.equal(renamed.status, 200, 'the name still changes')
    t.equal(renamed.body.sections[1].price, 500, 'the price is as it was')
  })

  await t.test('refusals', async (t) => {
    const id = await createConcert(first)
    const anonymous = await patch(first, id, { name: 'x' }, false)
    t.equal(anonymous.status, 401)
    t.equal(anonymous.body.code, 'UNAUTHORIZED')
    const missing = await patch(first, uniqueId('nope'), { name: 'x' })
    t.equal(missing.status, 404)
    t.equal(missing.body.code, 'EVENT_NOT_FOUND')
    const section = await patch(first, id, { prices: { sections: { nope: 1 } } })
    t.equal(section.status, 422)
    t.equal(section.body.code, 'UNKNOWN_SECTION')
    const category = await patch(first, id, { prices: { categories: { P9: 1 } } })
    t.equal(category.status, 400)
    t.equal(category.body.code, 'INVALID_REQUEST')
    for (const body of [{}, { sections: [] }, { currency: 'EUR' }]) {
      const res = await patch(first, id, body)
      t.equal(res.status, 400, `${JSON.stringify(body)} refused`)
    }
  })
})
