import t from 'tap'
import { eachLedger, startApp, uniqueId } from './helpers/app.js'
import type { TestApp } from './helpers/app.js'

const arena = (id: string) => ({
  id,
  name: 'Arena',
  currency: 'EUR',
  categories: { P1: 9900, P2: 7900 },
  sections: [
    {
      id: 'b101',
      name: 'Block 101',
      price: 4900,
      rows: [
        { row: 'A', seats: '1-5', accessible: '1', companions: ['2'], category: 'P1' },
        { row: 'B', seats: '1-3,5,4', seatCategories: { P2: '5' } },
      ],
    },
    { id: 'vip', name: 'VIP', price: 15000, seats: ['V1', 'V2'] },
    { id: 'floor', name: 'Floor', price: 3900, capacity: 10 },
  ],
})

async function hold(api: TestApp, eventId: string, items: unknown[]) {
  const res = await api.request('POST', `/v1/events/${eventId}/holds`, { body: { holder: 'fan', items } })
  if (res.status !== 201) throw new Error(`hold refused: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body as { id: string; token: string }
}

await eachLedger(t, 'venue layout', async (t, ledger) => {
  const api = await startApp(t, ledger, {}, undefined, { jobs: false })

  await t.test('rows become labels "<row>-<seat>"; the event view returns the layout as given', async (t) => {
    const id = uniqueId('arena')
    const created = await api.request('POST', '/v1/events', { admin: true, body: arena(id) })
    t.equal(created.status, 201, 'created', { body: created.body })
    t.same(created.body.categories, { P1: 9900, P2: 7900 })
    t.match(created.body.sections[0], { id: 'b101', kind: 'seated', capacity: 10, available: 10 })
    t.same(created.body.sections[0].rows, arena(id).sections[0]?.rows, 'rows as given')
    t.notOk('rows' in created.body.sections[1], 'a plain list has no rows')

    // A new instance reads the event from the ledger, not from the creating instance's cache.
    const other = await startApp(t, ledger, { keyPrefix: api.config.keyPrefix }, undefined, { jobs: false })
    const read = await other.request('GET', `/v1/events/${id}`)
    t.equal(read.status, 200)
    t.same(read.body, created.body, 'the layout is kept in the ledger')

    const seats = await other.request('GET', `/v1/events/${id}/seats?section=b101`)
    t.same(
      seats.body.sections[0].seats.map((s: { seat: string }) => s.seat),
      ['A-1', 'A-2', 'A-3', 'A-4', 'A-5', 'B-1', 'B-2', 'B-3', 'B-5', 'B-4'],
      'labels in row order',
    )
  })

  await t.test("the OpenAPI document's example of a venue is accepted as it stands", async (t) => {
    const doc = await api.request('GET', '/docs/json')
    const content = doc.body.paths['/v1/events'].post.requestBody.content['application/json']
    // @fastify/swagger writes a schema's first example as the media type's `example` (OpenAPI 3.0).
    const body = content.example ?? content.schema.example ?? content.schema.examples?.[0]
    t.ok(
      body.sections.some((s: object) => 'rows' in s),
      'it has rows',
    )
    const created = await api.request('POST', '/v1/events', {
      admin: true,
      body: { ...body, id: uniqueId('ex') },
    })
    t.equal(created.status, 201, 'created', { body: created.body })
  })

  await t.test("a confirm's amount: the seat's category price, else its section's", async (t) => {
    const id = uniqueId('arena')
    t.equal((await api.request('POST', '/v1/events', { admin: true, body: arena(id) })).status, 201)
    const held = await hold(api, id, [
      { section: 'b101', seats: ['A-3', 'B-1', 'B-5'] },
      { section: 'vip', seats: ['V1'] },
      { section: 'floor', quantity: 2 },
    ])
    const confirmed = await api.request('POST', `/v1/events/${id}/holds/${held.id}/confirm`, {
      token: held.token,
    })
    t.equal(confirmed.status, 201)
    t.equal(confirmed.body.amount, 9900 + 4900 + 7900 + 15000 + 2 * 3900, 'P1 row, no category, P2 seat')
  })

  await t.test('a layout that cannot be built: 400 INVALID_LAYOUT saying where', async (t) => {
    const refused: [string, unknown, Record<string, unknown>][] = [
      ['unknown category', { row: 'A', seats: '1-3', category: 'P9' }, { section: 'b101', row: 'A' }],
      [
        'accessible seat outside the row',
        { row: 'A', seats: '1-3', accessible: '7' },
        { section: 'b101', row: 'A', seat: '7' },
      ],
      ['not a range', { row: 'A', seats: '1-3,x y' }, { section: 'b101', row: 'A', seat: 'x y' }],
    ]
    for (const [what, row, details] of refused) {
      const body = { ...arena(uniqueId('bad')), sections: [{ id: 'b101', name: 'B', price: 1, rows: [row] }] }
      const res = await api.request('POST', '/v1/events', { admin: true, body })
      t.equal(res.status, 400, what)
      t.match(res.body, { code: 'INVALID_LAYOUT', details, message: /^Section b101: / }, what)
    }
    const notRows = await api.request('POST', '/v1/events', {
      admin: true,
      body: { name: 'x', sections: [{ name: 'B', price: 1, rows: [{ row: 'A', seats: '1', extra: 1 }] }] },
    })
    t.match(notRows.body, { statusCode: 400, code: 'INVALID_REQUEST' }, 'unknown row fields: schema')
  })

  await t.test('admin bodies up to ADMIN_BODY_LIMIT_BYTES; hold bodies keep 64 KiB', async (t) => {
    const small = await startApp(t, ledger, { adminBodyLimitBytes: 128 * 1024 }, undefined, { jobs: false })
    const labels = (n: number) => Array.from({ length: n }, (_, i) => `seat-${i}`)
    const fits = {
      id: uniqueId('big'),
      name: 'x',
      sections: [{ id: 's', name: 's', price: 1, seats: labels(10_000) }],
    }
    t.ok(JSON.stringify(fits).length > 64 * 1024, 'over the public 64 KiB')
    const created = await small.request('POST', '/v1/events', { admin: true, body: fits })
    t.equal(created.status, 201, 'accepted on the admin route')
    const tooBig = {
      ...fits,
      id: uniqueId('big'),
      sections: [{ ...fits.sections[0], seats: labels(20_000) }],
    }
    const refused = await small.request('POST', '/v1/events', { admin: true, body: tooBig })
    t.match(refused, { status: 413, body: { code: 'PAYLOAD_TOO_LARGE' } }, 'over the admin limit')
    const padded = await small.request('POST', `/v1/events/${fits.id}/holds`, {
      raw: JSON.stringify({
        holder: 'x',
        pad: 'p'.repeat(70 * 1024),
        items: [{ section: 's', seats: ['seat-1'] }],
      }),
    })
    t.match(padded, { status: 413, body: { code: 'PAYLOAD_TOO_LARGE' } }, 'a hold body over 64 KiB')
  })

  await t.test(
    'seat map: one character a seat, accessible positions, counts per section and row',
    async (t) => {
      const id = uniqueId('arena')
      t.equal((await api.request('POST', '/v1/events', { admin: true, body: arena(id) })).status, 201)
      const sold = await hold(api, id, [{ section: 'b101', seats: ['A-2', 'B-5'] }])
      const confirmed = await api.request('POST', `/v1/events/${id}/holds/${sold.id}/confirm`, {
        token: sold.token,
      })
      t.equal(confirmed.status, 201)
      await hold(api, id, [
        { section: 'b101', seats: ['A-5', 'B-4'] },
        { section: 'vip', seats: ['V2'] },
      ])

      const map = await api.request('GET', `/v1/events/${id}/seat-map`)
      t.equal(map.status, 200)
      t.same(map.body, {
        sections: [
          {
            id: 'b101',
            capacity: 10,
            available: 6,
            held: 2,
            sold: 2,
            blocked: 0,
            status: 'asaah' + 'aaash',
            accessible: [0],
            companions: [1],
            rows: {
              names: ['A', 'B'],
              seats: [5, 5],
              available: [3, 3],
              held: [1, 1],
              sold: [1, 1],
              blocked: [0, 0],
            },
          },
          {
            id: 'vip',
            capacity: 2,
            available: 1,
            held: 1,
            sold: 0,
            blocked: 0,
            status: 'ah',
            accessible: [],
            companions: [],
          },
        ],
      })
      const one = await api.request('GET', `/v1/events/${id}/seat-map?section=vip`)
      t.same(
        one.body.sections.map((s: { id: string }) => s.id),
        ['vip'],
        'filtered by section',
      )
      const unknown = await api.request('GET', `/v1/events/${id}/seat-map?section=nope`)
      t.match(unknown, { status: 422, body: { code: 'UNKNOWN_SECTION', details: { section: 'nope' } } })
      const missing = await api.request('GET', `/v1/events/${uniqueId('none')}/seat-map`)
      t.match(missing, { status: 404, body: { code: 'EVENT_NOT_FOUND' } })
    },
  )
})
