/**
 * DELETE /v1/events/:id: only an event that never sold (no reservation of any status) is deleted, with its
 * holds and Redis state; the ledger decides, so confirms racing the delete either sell (and the delete is
 * refused) or answer 404, never a 5xx and never a reservation for a missing event.
 */
import t from 'tap'
import { activeIndexKey } from '../src/redis/active-events.js'
import { eachLedger, seats, startApp, uniqueId } from './helpers/app.js'
import type { TestApp, TestResponse } from './helpers/app.js'
import { eventually } from './helpers/eventually.js'
import { layoutPrefix } from '../src/redis/keys.js'
import { eventKeys } from './helpers/event-keys.js'
import { checkLedgerInvariants } from './helpers/invariants.js'

async function createEvent(api: TestApp): Promise<string> {
  const id = uniqueId('del')
  const res = await api.request('POST', '/v1/events', {
    admin: true,
    body: {
      id,
      name: 'Never sold',
      sections: [
        { id: 'vip', name: 'VIP', price: 1000, seats: seats('S', 30) },
        { id: 'g', name: 'G', price: 500, capacity: 100 },
      ],
    },
  })
  if (res.status !== 201) throw new Error(`event not created: ${res.status}`)
  return id
}

async function hold(api: TestApp, eventId: string, items: unknown[]) {
  const res = await api.request('POST', `/v1/events/${eventId}/holds`, {
    body: { holder: uniqueId('buyer'), ttlSeconds: 600, items },
  })
  if (res.status !== 201) throw new Error(`hold refused: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body as { id: string; token: string }
}

const remove = (api: TestApp, eventId: string) =>
  api.request('DELETE', `/v1/events/${eventId}`, { admin: true })

void eachLedger(t, 'delete', async (t, ledger) => {
  await t.test('an event without sales goes, holds and Redis state with it', async (t) => {
    const a = await startApp(t, ledger, {}, undefined, { jobs: false })
    const prefix = a.config.keyPrefix
    const b = await startApp(t, ledger, { keyPrefix: prefix }, undefined, { jobs: false })
    const eventId = await createEvent(a)
    const held = await hold(a, eventId, [
      { section: 'vip', seats: ['S1'] },
      { section: 'g', quantity: 2 },
    ])
    t.equal((await b.request('GET', `/v1/events/${eventId}`)).status, 200, 'B has it cached')
    t.ok((await eventKeys(a.redis, prefix, eventId)).length > 0, 'it has Redis state')

    const deleted = await remove(a, eventId)
    t.equal(deleted.status, 204, 'deleted, its live hold notwithstanding')
    t.same(await eventKeys(a.redis, prefix, eventId), [], 'no key of the event is left')
    t.equal(await a.redis.zscore(activeIndexKey(prefix), eventId), null, 'the jobs forget it')
    t.equal(await a.ledger.getEvent(eventId), null, 'gone from the ledger')
    for (const api of [a, b]) {
      t.match(await api.request('GET', `/v1/events/${eventId}`), {
        status: 404,
        body: { code: 'EVENT_NOT_FOUND' },
      })
    }
    t.match(
      await b.request('POST', `/v1/events/${eventId}/holds`, {
        body: { holder: 'late', items: [{ section: 'g', quantity: 1 }] },
      }),
      { status: 404, body: { code: 'EVENT_NOT_FOUND' } },
      'B, which had it cached, refuses a hold',
    )
    const confirm = await b.request('POST', `/v1/events/${eventId}/holds/${held.id}/confirm`, {
      token: held.token,
    })
    t.equal(confirm.status, 404, 'the deleted hold cannot be confirmed')
    t.same(await eventKeys(a.redis, prefix, eventId), [], 'and nothing was rebuilt')
    t.match(await remove(a, eventId), { status: 404, body: { code: 'EVENT_NOT_FOUND' } }, 'a repeat: unknown')
    t.match(await a.request('DELETE', `/v1/events/${eventId}`), {
      status: 401,
      body: { code: 'UNAUTHORIZED' },
    })
  })

  await t.test('an event that never sold goes with its seat blocks (204, not a 5xx)', async (t) => {
    const api = await startApp(t, ledger, {}, undefined, { jobs: false })
    const eventId = await createEvent(api)
    const blocked = await api.request('POST', `/v1/events/${eventId}/blocks`, {
      admin: true,
      body: { reason: 'production', seats: [{ section: 'vip', seat: 'S1' }] },
    })
    t.equal(blocked.status, 201, 'a block set aside a seat')
    t.equal((await remove(api, eventId)).status, 204, 'deleted, its block with it')
    t.same(await api.ledger.listBlocks(eventId), [], 'no block of it is left in the ledger')
    t.same(await eventKeys(api.redis, api.config.keyPrefix, eventId), [], 'nor any key in Redis')
  })

  await t.test('an event that sold, even if every sale was cancelled, is kept', async (t) => {
    const api = await startApp(t, ledger, {}, undefined, { jobs: false })
    const eventId = await createEvent(api)
    const held = await hold(api, eventId, [{ section: 'g', quantity: 1 }])
    const sale = await api.request('POST', `/v1/events/${eventId}/holds/${held.id}/confirm`, {
      token: held.token,
    })
    t.equal(sale.status, 201)
    t.match(await remove(api, eventId), {
      status: 409,
      body: { code: 'EVENT_HAS_SALES', details: { eventId } },
    })
    await api.request('DELETE', `/v1/events/${eventId}/reservations/${sale.body.id}`, { admin: true })
    t.match(
      await remove(api, eventId),
      { status: 409, body: { code: 'EVENT_HAS_SALES' } },
      'after its cancel too',
    )
    const again = await hold(api, eventId, [{ section: 'g', quantity: 1 }])
    t.ok(again.id, 'and it still sells')
  })

  await t.test('a delete racing confirms leaves the ledger consistent, never a 5xx', async (t) => {
    const api = await startApp(t, ledger, {}, undefined, { jobs: false })
    const prefix = api.config.keyPrefix
    const outcomes = { deleted: 0, refused: 0 }
    const codes = new Map<string, number>()
    for (let round = 0; round < 6; round++) {
      const eventId = await createEvent(api)
      const holds = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          hold(
            api,
            eventId,
            i % 2 === 0 ? [{ section: 'vip', seats: [`S${i + 1}`] }] : [{ section: 'g', quantity: 1 }],
          ),
        ),
      )
      // Half the rounds send the confirms first; half start the delete and send the confirms once it
      // holds the event's lock (or is done), so they meet its ledger transaction.
      let deletion: Promise<TestResponse> | null = null
      if (round % 2 === 1) {
        let settled = false
        deletion = remove(api, eventId).finally(() => (settled = true))
        const lock = `${layoutPrefix(prefix)}:lock:load:${eventId}`
        await eventually(
          'the delete to hold the event',
          async () => settled || (await api.redis.exists(lock)) === 1,
          {
            intervalMs: 1,
          },
        )
      }
      const confirms = holds.map((h) =>
        api.request('POST', `/v1/events/${eventId}/holds/${h.id}/confirm`, { token: h.token }),
      )
      const results = await Promise.all(confirms)
      const deleted = await (deletion ?? remove(api, eventId))
      const statuses = results.map((r) => r.status)
      for (const r of results) if (r.status === 404) codes.set(r.body.code, (codes.get(r.body.code) ?? 0) + 1)
      t.ok(
        statuses.every((s) => s === 201 || s === 404),
        `round ${round}: every confirm sold or found nothing (${[...new Set(statuses)].join(', ')})`,
      )
      const confirmed = results.filter((r) => r.status === 201).map((r) => r.body.id as string)
      if (deleted.status === 204) {
        outcomes.deleted++
        t.same(confirmed, [], `round ${round}: deleted, so no confirm sold`)
        t.equal(await api.ledger.getEvent(eventId), null)
        t.same(
          (await api.ledger.listReservations(eventId, 100, null)).items,
          [],
          'no reservation left behind',
        )
        t.same(await eventKeys(api.redis, prefix, eventId), [], 'no key left behind')
      } else {
        outcomes.refused++
        t.match(deleted, { status: 409, body: { code: 'EVENT_HAS_SALES' } }, `round ${round}: refused`)
        t.ok(confirmed.length > 0)
        await checkLedgerInvariants(t, api, eventId, { holds: holds.map((h) => h.id), confirmed })
      }
    }
    t.comment(`delete won ${outcomes.deleted} of 6 rounds, confirms ${outcomes.refused}`)
    t.comment(`confirms answered 404: ${JSON.stringify(Object.fromEntries(codes))}`)
  })
})
