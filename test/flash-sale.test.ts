import t from 'tap'
import { ADMIN_TOKEN, eachLedger, request, seats, TEST_REDIS_URL, uniqueId } from './helpers/app.js'
import { checkLedgerInvariants } from './helpers/invariants.js'
import { startServerProcess } from './helpers/server-process.js'

const CLIENTS = 500
const SEATS = 100

await eachLedger(t, 'flash sale over two API processes', async (t, ledger, target) => {
  const env = {
    REDIS_URL: TEST_REDIS_URL,
    LEDGER_URL: target.url ?? '',
    ADMIN_TOKEN,
    KEY_PREFIX: uniqueId('flash'),
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    MAX_SEATS_PER_HOLDER: '1',
  }
  const [one, two] = await Promise.all([startServerProcess(t, env), startServerProcess(t, env)])
  if (!one || !two) throw new Error('servers did not start')
  const eventId = uniqueId('flash')
  const created = await request(one.url, 'POST', '/v1/events', {
    admin: true,
    body: {
      id: eventId,
      name: 'Flash',
      sections: [{ id: 'hall', name: 'Hall', price: 900, seats: seats('H', SEATS) }],
    },
  })
  t.equal(created.status, 201)

  // Every seat is wanted by five clients; each client holds on one process and confirms on the other.
  const outcomes = await Promise.all(
    Array.from({ length: CLIENTS }, async (_, i) => {
      const [near, far] = i % 2 === 0 ? [one.url, two.url] : [two.url, one.url]
      const held = await request(near, 'POST', `/v1/events/${eventId}/holds`, {
        body: { holder: `client-${i}`, items: [{ section: 'hall', seats: [`H${(i % SEATS) + 1}`] }] },
      })
      if (held.status !== 201) return { held }
      const sold = await request(far, 'POST', `/v1/events/${eventId}/holds/${held.body.id}/confirm`, {
        token: held.body.token,
      })
      return { held, sold }
    }),
  )
  const holds = outcomes.filter((o) => o.held.status === 201)
  const sales = outcomes.filter((o) => o.sold?.status === 201)
  const refusals = outcomes.filter((o) => o.held.status === 409)
  t.equal(holds.length, SEATS, `${SEATS} holds won`)
  t.equal(sales.length, SEATS, `${SEATS} confirms answered 201`)
  t.equal(refusals.length, CLIENTS - SEATS, 'every other client got 409')
  t.ok(
    refusals.every((o) => o.held.body.code === 'SEAT_UNAVAILABLE'),
    'refusals are SEAT_UNAVAILABLE',
  )
  const ledgerView = { ledger, request: (m: string, p: string) => request(one.url, m, p) }
  const reservations = await checkLedgerInvariants(t, ledgerView, eventId, {
    confirmed: sales.map((o) => o.sold?.body.id),
    holds: holds.map((o) => o.held.body.id),
  })
  t.equal(reservations.length, SEATS, 'exactly 100 reservations in the ledger')
  const view = await request(two.url, 'GET', `/v1/events/${eventId}`)
  t.match(
    view.body.sections[0],
    { capacity: SEATS, sold: SEATS, held: 0, available: 0 },
    'both processes agree',
  )
})
