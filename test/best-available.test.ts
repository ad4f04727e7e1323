/**
 * Best available (issue 14): a hold item { section, quantity, together: true } gets the best block of
 * adjacent seats in one row, chosen and held in the same script call; the lone-seat rule; the 409 with
 * the largest block; the split option; the structure kept true by every script that changes a seat.
 */
import t from 'tap'
import { eachLedger, startApp, uniqueId } from './helpers/app.js'
import type { TestApp } from './helpers/app.js'
import { ledgerSale } from './helpers/sales.js'
import { seatingOf } from '../src/domain/loaded-event.js'
import { DriftReconciler } from '../src/jobs/drift.js'
import { eventually } from './helpers/eventually.js'
import { checkSeating, loneSeats } from './helpers/seating.js'

interface RowSpec {
  row: string
  seats: string
  accessible?: string
  companions?: string
}

async function venue(api: TestApp, rows: RowSpec[], loneSeats?: string): Promise<string> {
  const id = uniqueId('ba')
  const res = await api.request('POST', '/v1/events', {
    admin: true,
    body: {
      id,
      name: 'Best available',
      ...(loneSeats ? { loneSeats } : {}),
      sections: [
        { id: 'stalls', name: 'Stalls', price: 1000, rows },
        { id: 'floor', name: 'Floor', price: 500, capacity: 10 },
        { id: 'box', name: 'Box', price: 2000, rows: [{ row: 'X', seats: '1-2' }] },
      ],
    },
  })
  if (res.status !== 201) throw new Error(`event: ${res.status} ${JSON.stringify(res.body)}`)
  return id
}

interface Held {
  id: string
  token: string
  items: { section: string; seats: string[] }[]
}

async function take(api: TestApp, eventId: string, items: unknown[], holder = uniqueId('h')) {
  return api.request('POST', `/v1/events/${eventId}/holds`, { body: { holder, items } })
}

async function hold(api: TestApp, eventId: string, items: unknown[]): Promise<Held> {
  const res = await take(api, eventId, items)
  if (res.status !== 201) throw new Error(`hold refused: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body as Held
}

const together = (quantity: number, extra: Record<string, unknown> = {}) => ({
  section: 'stalls',
  quantity,
  together: true,
  ...extra,
})

await eachLedger(t, 'best available', async (t, ledger) => {
  const api = await startApp(t, ledger, {}, undefined, { jobs: false })

  await t.test(
    'the best block: front row first, centre of the row first, held in the same call',
    async (t) => {
      const id = await venue(api, [
        { row: 'A', seats: '1-10' },
        { row: 'B', seats: '1-10' },
      ])
      const first = await hold(api, id, [together(4)])
      t.same(first.items, [{ section: 'stalls', seats: ['A-4', 'A-5', 'A-6', 'A-7'] }], 'centre of row A')
      // Row A keeps 3 + 3 free: 4 together no longer fit there, so the centre of row B.
      const second = await hold(api, id, [together(4)])
      t.same(second.items[0]?.seats, ['B-4', 'B-5', 'B-6', 'B-7'], 'the next row when the front one is full')
      const map = await api.request('GET', `/v1/events/${id}/seats?section=stalls`)
      const held = map.body.sections[0].seats.filter((s: { status: string }) => s.status === 'held')
      t.equal(held.length, 8, 'the seat map shows the picked seats held')
      const view = await api.request('GET', `/v1/events/${id}/holds/${first.id}`, {
        headers: { 'hold-token': first.token },
      })
      t.same(view.body.items, first.items, 'the hold keeps the seats chosen')
      await checkSeating(t, api, id, 'stalls', 'after two picks')
    },
  )

  await t.test('lone seats: a scattered row, strict vs soft vs off, and the row edge', async (t) => {
    // Row A 1-7 with A-4 taken: two runs of 3. Two together would leave a lone seat either way.
    const scattered = [{ row: 'A', seats: '1-7' }]
    const strict = await venue(api, scattered, 'strict')
    const soft = await venue(api, scattered, 'soft')
    for (const id of [strict, soft]) await hold(api, id, [{ section: 'stalls', seats: ['A-4'] }])
    const refused = await take(api, strict, [together(2)])
    t.equal(refused.status, 409, 'strict: refused')
    t.match(refused.body, {
      code: 'NO_SEATS_TOGETHER',
      details: { section: 'stalls', requested: 2, largest: 1, available: 6 },
    })
    const allowed = await hold(api, soft, [together(2)])
    t.same(allowed.items[0]?.seats, ['A-2', 'A-3'], 'soft: the block nearest the centre, leaving a lone seat')
    await checkSeating(t, api, strict, 'stalls', 'strict after a refusal')
    await checkSeating(t, api, soft, 'stalls', 'soft after a pick that left a lone seat')

    // Soft avoids a lone seat when another block exists; off does not look: the row-edge case.
    const rows = [
      { row: 'A', seats: '1-10' },
      { row: 'B', seats: '1-12' },
    ]
    const softEdge = await venue(api, rows)
    const offEdge = await venue(api, rows, 'off')
    const strictEdge = await venue(api, rows, 'strict')
    t.same(
      (await hold(api, softEdge, [together(9)])).items[0]?.seats.at(0),
      'B-1',
      'soft: row B (A would keep one)',
    )
    t.same((await hold(api, strictEdge, [together(9)])).items[0]?.seats.at(0), 'B-1', 'strict: row B too')
    const off = await hold(api, offEdge, [together(9)])
    t.same(
      off.items[0]?.seats,
      ['A-1', 'A-2', 'A-3', 'A-4', 'A-5', 'A-6', 'A-7', 'A-8', 'A-9'],
      'off: the front row',
    )
    const offRows = await checkSeating(t, api, offEdge, 'stalls', 'off after the pick')
    t.equal(loneSeats(offRows[0] ?? []), 1, 'off left A-10 alone at the edge')
    const strictRows = await checkSeating(t, api, strictEdge, 'stalls', 'strict after the pick')
    t.equal(
      strictRows.map(loneSeats).reduce((a, b) => a + b, 0),
      0,
      'strict left no lone seat',
    )
    // Row B keeps 3 free: strict gives 3 or 1, never 2 (which would leave one at the edge).
    const two = await take(api, strictEdge, [together(2)])
    t.equal(two.status, 201, 'strict: 2 fit in row A (10 free)')
  })

  await t.test('no block: 409 with the largest block, and the split option', async (t) => {
    const id = await venue(api, [
      { row: 'A', seats: '1-4' },
      { row: 'B', seats: '1-4' },
    ])
    await hold(api, id, [{ section: 'stalls', seats: ['A-2', 'B-3'] }])
    const refused = await take(api, id, [together(4)])
    t.equal(refused.status, 409)
    t.match(refused.body, {
      code: 'NO_SEATS_TOGETHER',
      details: { section: 'stalls', requested: 4, largest: 2, available: 6 },
    })
    await checkSeating(t, api, id, 'stalls', 'after a refusal (the tentative marks undone)')
    const split = await hold(api, id, [together(4, { split: true })])
    t.same(split.items[0]?.seats, ['A-3', 'A-4', 'B-1', 'B-2'], 'two blocks of two, best first')
    await checkSeating(t, api, id, 'stalls', 'after a split pick')
    const apart = await hold(api, id, [together(2, { split: true })])
    t.same(apart.items[0]?.seats, ['A-1', 'B-4'], 'split: the two lone seats, one per row')
    const none = await take(api, id, [together(1, { split: true })])
    t.equal(none.status, 409, 'nothing left')
    t.match(none.body.details, { requested: 1, largest: 0, available: 0 })
  })

  await t.test('all or nothing: a pick with seats and GA units; refused as a whole', async (t) => {
    const id = await venue(api, [{ row: 'A', seats: '1-6' }])
    const mixed = await hold(api, id, [
      { section: 'stalls', seats: ['A-3'] },
      { section: 'floor', quantity: 2 },
    ])
    t.ok(mixed.id)
    // A GA section short refuses the whole hold: the pick's marks are undone.
    const short = await take(api, id, [together(1), { section: 'floor', quantity: 9 }])
    t.equal(short.status, 409)
    t.equal(short.body.code, 'INSUFFICIENT_CAPACITY')
    await checkSeating(t, api, id, 'stalls', 'after a refused mixed hold')
    // The second pick finds no block: the first pick's marks are undone, nothing is held.
    const second = await take(api, id, [together(2), { section: 'box', quantity: 3, together: true }])
    t.equal(second.status, 409)
    t.match(second.body, { code: 'NO_SEATS_TOGETHER', details: { section: 'box', largest: 2 } })
    const rows = await checkSeating(t, api, id, 'stalls', 'after a refused second pick')
    t.equal(rows.flat().filter(Boolean).length, 1, 'only A-3 is taken')
    await checkSeating(t, api, id, 'box', 'the box after the refusal')
    const bad = await take(api, id, [{ section: 'floor', quantity: 2, together: true }])
    t.equal(bad.status, 422, 'together in a GA section')
    t.equal(bad.body.code, 'WRONG_ITEM_KIND')
  })

  await t.test('a section not given as rows has no adjacency: 422 NOT_IN_ROWS', async (t) => {
    const id = uniqueId('flat')
    await api.request('POST', '/v1/events', {
      admin: true,
      body: { id, name: 'Flat', sections: [{ id: 'flat', name: 'Flat', price: 1, seats: ['S1', 'S2'] }] },
    })
    const res = await take(api, id, [{ section: 'flat', quantity: 2, together: true }])
    t.equal(res.status, 422)
    t.equal(res.body.code, 'NOT_IN_ROWS')
    const lone = await api.request('POST', '/v1/events', {
      admin: true,
      body: {
        id: uniqueId('bad'),
        name: 'Bad',
        loneSeats: 'never',
        sections: [{ id: 'g', name: 'G', price: 1, capacity: 1 }],
      },
    })
    t.equal(lone.status, 400, 'an unknown lone-seat rule is refused')
  })

  await t.test('the structure follows every seat change: release, expiry, confirm, cancel', async (t) => {
    const id = await venue(api, [
      { row: 'A', seats: '1-8' },
      { row: 'B', seats: '1-8' },
    ])
    const auth = (h: Held) => ({ headers: { 'hold-token': h.token } })
    const released = await hold(api, id, [together(3)])
    await checkSeating(t, api, id, 'stalls', 'after a pick')
    t.equal(
      (await api.request('DELETE', `/v1/events/${id}/holds/${released.id}`, auth(released))).status,
      204,
    )
    await checkSeating(t, api, id, 'stalls', 'after a release')

    const short = await api.request('POST', `/v1/events/${id}/holds`, {
      body: { holder: uniqueId('h'), ttlSeconds: 1, items: [together(4)] },
    })
    t.equal(short.status, 201)
    await eventually('the short hold expired and was reclaimed', async () => {
      await api.services.store.sweep(id)
      const read = await api.request('GET', `/v1/events/${id}/holds/${short.body.id}`, {
        headers: { 'hold-token': short.body.token },
      })
      return read.status === 410
    })
    await checkSeating(t, api, id, 'stalls', 'after an expiry')

    const sold = await hold(api, id, [together(5), { section: 'floor', quantity: 1 }])
    const confirmed = await api.request('POST', `/v1/events/${id}/holds/${sold.id}/confirm`, auth(sold))
    t.equal(confirmed.status, 201)
    await checkSeating(t, api, id, 'stalls', 'after a confirm')
    const explicit = await hold(api, id, [{ section: 'stalls', seats: ['B-1', 'B-8'] }])
    t.ok(explicit.id)
    await checkSeating(t, api, id, 'stalls', 'after explicit seats')
    const cancelled = await api.request(
      'DELETE',
      `/v1/events/${id}/reservations/${confirmed.body.id}`,
      auth(sold),
    )
    t.equal(cancelled.status, 204)
    await checkSeating(t, api, id, 'stalls', 'after a cancel')
    const again = await hold(api, id, [together(5)])
    t.same(again.items[0]?.seats, sold.items[0]?.seats, 'the returned seats are the best again')
  })

  await t.test(
    'the structure follows the ledger: a heal, a mark, a rebuild; a missed write is caught',
    async (t) => {
      const id = await venue(api, [
        { row: 'A', seats: '1-6' },
        { row: 'B', seats: '1-6' },
      ])
      const { store, events } = api.services
      // A seat key written behind the structure's back (as a rebuild that kept a held key leaves it): the pick
      // checks every seat of its block against its key, skips it and corrects the bit.
      await api.redis.set(store.keys(id).seat('stalls', 'A-3'), 'elsewhere')
      const around = await hold(api, id, [together(2)])
      t.notOk(around.items[0]?.seats.includes('A-3'), 'the taken seat was not handed out')
      await checkSeating(t, api, id, 'stalls', 'after a pick met a missed write')
      await api.redis.del(store.keys(id).seat('stalls', 'A-3'))
      await store.markSold(
        id,
        [{ section: 'stalls', seat: 'A-3', reservationId: 'r-1' }],
        seatingOf(await events.get(id)),
      )
      await checkSeating(t, api, id, 'stalls', 'after markSold')

      // A sale the ledger made that Redis never heard of: the drift heal writes it, bits included.
      await ledger.confirm(ledgerSale(id, [{ section: 'stalls', seats: ['B-3', 'B-4'] }]))
      const healed = await new DriftReconciler(store, ledger, events).reconcile(id, true)
      t.ok(healed.seats >= 2, 'the heal wrote the seats')
      await checkSeating(t, api, id, 'stalls', 'after a drift heal')

      // Redis loses the event: the rebuild from the ledger writes the structure again from the sold seats.
      const keys = await api.redis.keys(`${store.keys(id).base}*`)
      await api.redis.del(...keys)
      const after = await hold(api, id, [together(2)])
      t.ok(after.id, 'a pick after the rebuild')
      const rows = await checkSeating(t, api, id, 'stalls', 'after a rebuild')
      t.same(
        rows[1]?.map((taken) => taken),
        [false, false, true, true, false, false],
        'row B: the ledger sale is taken again',
      )
    },
  )

  await t.test('accessible: wheelchair spaces with their companion seats, together', async (t) => {
    const rows = [
      { row: 'A', seats: '1-8', accessible: '4,5', companions: '3,6' },
      { row: 'B', seats: '1-8', accessible: '1', companions: '2' },
    ]
    const id = await venue(api, rows)
    const pair = (n = 2, wheelchairs = 1) => together(n, { wheelchairs })
    t.same(
      (await hold(api, id, [pair()])).items[0]?.seats,
      ['A-3', 'A-4'],
      'a space and its companion, row A',
    )
    t.same((await hold(api, id, [pair()])).items[0]?.seats, ['A-5', 'A-6'], 'the other pair of row A')
    t.same((await hold(api, id, [pair()])).items[0]?.seats, ['B-1', 'B-2'], 'then row B')
    const none = await take(api, id, [pair()])
    t.equal(none.status, 409, 'no space left')
    t.match(none.body, { code: 'NO_SEATS_TOGETHER', details: { requested: 2, largest: 0 } })
    const plain = await hold(api, id, [together(2)])
    t.equal(plain.items[0]?.seats.length, 2, 'ordinary picks go on')
    await checkSeating(t, api, id, 'stalls', 'after accessible picks')

    const two = await venue(api, rows)
    t.same(
      (await hold(api, two, [pair(4, 2)])).items[0]?.seats,
      ['A-3', 'A-4', 'A-5', 'A-6'],
      'two spaces between their companions',
    )
    const wrong = await take(api, two, [pair(1, 2)])
    t.equal(wrong.status, 400, 'more wheelchair spaces than seats')
  })

  await t.test('blocked seats are never picked, and come back to the picks when unblocked', async (t) => {
    const id = await venue(api, [
      { row: 'A', seats: '1-6' },
      { row: 'B', seats: '1-6' },
    ])
    // Row A's centre is blocked: no 4 together is left there, so the pick goes to row B (at its edge: the
    // event's default soft rule leaves no lone seat where it can).
    const blocked = await api.request('POST', `/v1/events/${id}/blocks`, {
      admin: true,
      body: { reason: 'camera', seats: ['A-3', 'A-4'].map((seat) => ({ section: 'stalls', seat })) },
    })
    t.equal(blocked.status, 201)
    await checkSeating(t, api, id, 'stalls', 'after a block')
    t.same((await hold(api, id, [together(4)])).items[0]?.seats, ['B-1', 'B-2', 'B-3', 'B-4'], 'row B')
    const none = await take(api, id, [together(3)])
    t.equal(none.status, 409, 'three together only across the blocked seats: none')
    t.match(none.body, { code: 'NO_SEATS_TOGETHER', details: { largest: 2 } })
    const ended = await api.request('DELETE', `/v1/events/${id}/blocks/${blocked.body.id}`, { admin: true })
    t.equal(ended.status, 204)
    await checkSeating(t, api, id, 'stalls', 'after the unblock')
    t.same(
      (await hold(api, id, [together(4)])).items[0]?.seats,
      ['A-1', 'A-2', 'A-3', 'A-4'],
      'the unblocked seats are picked again',
    )
  })
})
