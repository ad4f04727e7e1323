import { randomUUID } from 'node:crypto'
import t from 'tap'
import { SeatsTakenError } from '../src/domain/errors.js'
import { EventKeys } from '../src/redis/keys.js'
import { createEvent, eachLedger, seats, startApp } from './helpers/app.js'
import type { TestApp } from './helpers/app.js'
import { eventually } from './helpers/eventually.js'
import { checkLedgerInvariants } from './helpers/invariants.js'
import { pinnedSale } from './helpers/sales.js'
import { RedisServer } from './helpers/redis-server.js'

const ADMIN = { tokenHash: '', admin: true }

async function buy(api: TestApp, eventId: string, holder: string, items: unknown[]) {
  const held = await api.request('POST', `/v1/events/${eventId}/holds`, { body: { holder, items } })
  if (held.status !== 201) return { held, sold: undefined }
  const sold = await api.request('POST', `/v1/events/${eventId}/holds/${held.body.id}/confirm`, {
    token: held.body.token,
  })
  return { held, sold }
}

await eachLedger(t, 'Redis loses everything', async (t, ledger) => {
  const server = await RedisServer.start(t)
  const api = await startApp(t, ledger, { redisUrl: server.url })
  const eventId = await createEvent(api, { seated: { s: seats('S', 6) }, ga: { g: 10 } })
  const confirmed: string[] = []
  const holds: string[] = []

  const a = await buy(api, eventId, 'a', [
    { section: 's', seats: ['S1', 'S2'] },
    { section: 'g', quantity: 3 },
  ])
  t.equal(a.sold?.status, 201, 'a sale before the loss')
  confirmed.push(a.sold?.body.id)
  holds.push(a.held.body.id)

  const lost = await api.request('POST', `/v1/events/${eventId}/holds`, {
    body: { holder: 'lost', items: [{ section: 's', seats: ['S3'] }] },
  })
  holds.push(lost.body.id)
  // Two confirms in flight across the loss: pinned now, their ledger transactions run after.
  const racing = await api.request('POST', `/v1/events/${eventId}/holds`, {
    body: { holder: 'racer', items: [{ section: 's', seats: ['S4'] }] },
  })
  const committing = await api.request('POST', `/v1/events/${eventId}/holds`, {
    body: {
      holder: 'committer',
      items: [
        { section: 's', seats: ['S5'] },
        { section: 'g', quantity: 2 },
      ],
    },
  })
  holds.push(racing.body.id, committing.body.id)
  const racingPin = await api.services.store.pin(eventId, racing.body.id, ADMIN, randomUUID(), 30_000)
  const committingPin = await api.services.store.pin(eventId, committing.body.id, ADMIN, randomUUID(), 30_000)

  await server.stop()
  await server.start()
  // One commit lands while Redis is empty, before anything rebuilt it.
  const committed = await api.ledger.confirm(pinnedSale(eventId, committing.body.id, committingPin))
  confirmed.push(committed.reservation.id)

  const view = await eventually('the event served again after Redis came back empty', async () => {
    const res = await api.request('GET', `/v1/events/${eventId}`)
    return res.status === 200 && res
  })
  t.match(
    view.body.sections,
    [
      { id: 's', capacity: 6, sold: 3, held: 0, available: 3 },
      { id: 'g', capacity: 10, sold: 5, held: 0, available: 5 },
    ],
    'counts rebuilt from the ledger, including the sale committed during the loss',
  )

  for (const seat of ['S1', 'S2', 'S5']) {
    const again = await api.request('POST', `/v1/events/${eventId}/holds`, {
      body: { holder: 'again', items: [{ section: 's', seats: [seat] }] },
    })
    t.equal(again.body.code, 'SEAT_UNAVAILABLE', `sold seat ${seat} cannot be held again`)
  }
  const forgotten = await api.request('GET', `/v1/events/${eventId}/holds/${lost.body.id}`, {
    token: lost.body.token,
  })
  t.equal(forgotten.body.code, 'HOLD_NOT_FOUND', 'holds Redis forgot are gone (never sold)')

  // The seat of the in-flight confirm is free in the rebuilt state; someone else buys it...
  const c = await buy(api, eventId, 'c', [{ section: 's', seats: ['S4'] }])
  t.equal(c.sold?.status, 201, 'another buyer takes S4 after the loss')
  confirmed.push(c.sold?.body.id)
  holds.push(c.held.body.id)
  // ...and the racing transaction is refused by the ledger: never a double sale.
  await t.rejects(
    api.ledger.confirm(pinnedSale(eventId, racing.body.id, racingPin)),
    SeatsTakenError,
    'the racing confirm is refused by the ledger',
  )
  const retry = await api.request('POST', `/v1/events/${eventId}/holds/${racing.body.id}/confirm`, {
    token: racing.body.token,
  })
  t.equal(retry.status, 404, "the racing client's retry finds no hold and no sale")

  const gaRest = await buy(api, eventId, 'ga', [{ section: 'g', quantity: 5 }])
  t.equal(gaRest.sold?.status, 201, 'the rest of GA sells')
  confirmed.push(gaRest.sold?.body.id)
  holds.push(gaRest.held.body.id)
  const over = await api.request('POST', `/v1/events/${eventId}/holds`, {
    body: { holder: 'over', items: [{ section: 'g', quantity: 1 }] },
  })
  t.equal(over.body.code, 'INSUFFICIENT_CAPACITY', 'GA never oversells after the loss')
  await checkLedgerInvariants(t, api, eventId, { confirmed, holds })
})

await eachLedger(t, 'an answer from Redis that the service does not expect', async (t, ledger) => {
  const api = await startApp(t, ledger)
  const eventId = await createEvent(api, { ga: { g: 5 } })
  const keys = new EventKeys(api.config.keyPrefix, eventId)
  // A key of the wrong type: Redis answers WRONGTYPE, an error no code path maps to a contract error.
  await api.redis.del(keys.counts)
  await api.redis.set(keys.counts, 'not a hash')
  const res = await api.request('GET', `/v1/events/${eventId}`)
  t.equal(res.status, 500, 'answered 500')
  t.same(
    res.body,
    { statusCode: 500, code: 'INTERNAL_ERROR', error: 'Internal Server Error', message: 'Internal error' },
    'in the contract shape, with nothing of the internal error in it',
  )
  t.equal((await api.request('GET', '/health')).status, 200, 'the process goes on serving')
})
