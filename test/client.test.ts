/**
 * The typed client (client/) against the real service: its committed types must be exactly what the
 * served OpenAPI document generates (so a change to a route that is not regenerated fails here), and a
 * full hold -> confirm -> read -> cancel goes through it with typed requests and typed error codes.
 */
import { readFile } from 'node:fs/promises'
import t from 'tap'
import { generateTypes, SCHEMA_FILE } from '../client/generate.js'
import { loadConfig } from '../src/config.js'
import { seatlockClient } from '../client/index.js'
import { ADMIN_TOKEN, createEvent, startApp } from './helpers/app.js'
import { openLedger, postgresTarget } from './helpers/ledgers.js'

t.test('the typed client', async (t) => {
  const ledger = await openLedger(t, await postgresTarget())
  // The document as a default deployment serves it (rate limits on: their 429s are in it).
  const api = await startApp(t, ledger, { rateLimits: loadConfig({}).rateLimits }, undefined, { jobs: false })

  t.test('its types are generated from the served document (no drift)', async (t) => {
    const doc = await api.request('GET', '/docs/json')
    const expected = await generateTypes(doc.body)
    const committed = await readFile(SCHEMA_FILE, 'utf8')
    t.ok(
      committed === expected,
      'client/schema.ts matches the document: run `npm start` then `npm run client:generate` after changing a route',
    )
  })

  t.test('a full hold, confirm, read and cancel through it', async (t) => {
    const eventId = await createEvent(api, { seated: { stalls: ['A1', 'A2', 'A3'] }, ga: { floor: 10 } })
    const client = seatlockClient(api.url)
    const held = await client.POST('/v1/events/{eventId}/holds', {
      params: { path: { eventId } },
      body: {
        holder: 'typed',
        items: [
          { section: 'stalls', seats: ['A1'] },
          { section: 'floor', quantity: 2 },
        ],
      },
    })
    t.equal(held.response.status, 201)
    const hold = held.data
    if (!hold?.token) throw new Error('no hold in the answer')

    const again = await client.POST('/v1/events/{eventId}/holds', {
      params: { path: { eventId } },
      body: { holder: 'other', items: [{ section: 'stalls', seats: ['A1'] }] },
    })
    t.equal(again.response.status, 409)
    t.equal(again.error?.code, 'SEAT_UNAVAILABLE', 'a typed error code')

    const confirmed = await client.POST('/v1/events/{eventId}/holds/{holdId}/confirm', {
      params: { path: { eventId, holdId: hold.id }, header: { 'hold-token': hold.token } },
      body: { paymentRef: 'pay-1' },
    })
    t.equal(confirmed.response.status, 201)
    const reservation = confirmed.data
    if (!reservation) throw new Error('no reservation in the answer')
    t.equal(reservation.amount, 1000 + 2 * 500, 'the amount is typed and right')

    const read = await client.GET('/v1/events/{eventId}/reservations/{reservationId}', {
      params: { path: { eventId, reservationId: reservation.id } },
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    })
    t.equal(read.data?.status, 'confirmed')

    const cancelled = await client.DELETE('/v1/events/{eventId}/reservations/{reservationId}', {
      params: { path: { eventId, reservationId: reservation.id } },
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    })
    t.equal(cancelled.response.status, 204)

    const view = await client.GET('/v1/events/{eventId}', { params: { path: { eventId } } })
    t.same(
      view.data?.sections.map((s) => [s.id, s.available, s.sold]),
      [
        ['stalls', 3, 0],
        ['floor', 10, 0],
      ],
      'the seats and units are available again',
    )
  })
})
