/**
 * Issue 13, item 3: seats held back by an admin. Blocks and allocations, all or nothing; blocked seats are
 * nobody's to hold until unblocked; counts and the seat map show them; the ledger is their source of
 * truth (a rebuild restores them, the drift reconciler leaves them alone).
 */
import t from 'tap'
import { DriftReconciler } from '../src/jobs/drift.js'
import { blockedBy, EventKeys } from '../src/redis/keys.js'
import { eachLedger, startApp, uniqueId } from './helpers/app.js'
import type { TestApp } from './helpers/app.js'
import { wipePrefix } from './helpers/event-keys.js'
import { StreamClient } from './helpers/stream.js'

const SEATS = ['A1', 'A2', 'A3', 'A4', 'A5', 'A6']

async function createVenue(api: TestApp): Promise<string> {
  const id = uniqueId('blk')
  const res = await api.request('POST', '/v1/events', {
    admin: true,
    body: {
      id,
      name: 'Blocks',
      sections: [
        { id: 's', name: 'S', price: 1000, seats: SEATS },
        { id: 'g', name: 'G', price: 500, capacity: 10 },
      ],
    },
  })
  if (res.status !== 201) throw new Error(`event refused: ${res.status} ${JSON.stringify(res.body)}`)
  return id
}

const at = (...labels: string[]) => labels.map((seat) => ({ section: 's', seat }))

function block(api: TestApp, eventId: string, body: Record<string, unknown>) {
  return api.request('POST', `/v1/events/${eventId}/blocks`, {
    admin: true,
    body: { reason: 'press', ...body },
  })
}

function hold(api: TestApp, eventId: string, items: unknown[], admin = false) {
  return api.request('POST', `/v1/events/${eventId}/holds`, {
    admin,
    body: { holder: uniqueId('fan'), items },
  })
}

async function seatMap(api: TestApp, eventId: string) {
  const res = await api.request('GET', `/v1/events/${eventId}/seat-map?section=s`)
  return res.body.sections[0] as { status: string; available: number; blocked: number; held: number }
}

async function section(api: TestApp, eventId: string, id: string) {
  const res = await api.request('GET', `/v1/events/${eventId}`)
  return (res.body.sections as ({ id: string } & Record<string, number>)[]).find((s) => s.id === id)
}

await eachLedger(t, 'seat blocks', async (t, ledger) => {
  const api = await startApp(t, ledger, {}, undefined, { jobs: false })

  await t.test('blocked seats are nobody’s to hold, and counts and the seat map say so', async (t) => {
    const eventId = await createVenue(api)
    const stream = await StreamClient.open(t, api.url, eventId)
    const res = await block(api, eventId, { seats: at('A1', 'A2') })
    t.equal(res.status, 201, 'blocked')
    t.match(res.body, { eventId, reason: 'press', allocation: null, releaseAt: null, status: 'active' })
    t.equal(res.headers.get('location'), `/v1/events/${eventId}/blocks/${res.body.id}`)

    const one = await hold(api, eventId, [{ section: 's', seats: ['A1'] }])
    t.equal(one.status, 409, 'a public hold of a blocked seat is refused')
    t.equal(one.body.code, 'SEAT_UNAVAILABLE')
    t.same(one.body.details.seats, at('A1'))
    const admin = await hold(api, eventId, [{ section: 's', seats: ['A2'] }], true)
    t.equal(admin.body.code, 'SEAT_UNAVAILABLE', 'an admin hold is refused too')
    const mixed = await hold(api, eventId, [
      { section: 's', seats: ['A3', 'A2'] },
      { section: 'g', quantity: 1 },
    ])
    t.equal(mixed.body.code, 'SEAT_UNAVAILABLE', 'a hold of several items with a blocked seat is refused')
    t.same(mixed.body.details.seats, at('A2'))

    t.match(await section(api, eventId, 's'), { capacity: 6, available: 4, held: 0, sold: 0, blocked: 2 })
    t.match(
      await section(api, eventId, 'g'),
      { available: 10, held: 0, blocked: 0 },
      'nothing of it was taken',
    )
    t.match(await seatMap(api, eventId), { status: 'bbaaaa', available: 4, blocked: 2 })
    const list = await api.request('GET', `/v1/events/${eventId}/seats?section=s`)
    t.same(
      list.body.sections[0].seats.slice(0, 3),
      [
        { seat: 'A1', status: 'blocked' },
        { seat: 'A2', status: 'blocked' },
        { seat: 'A3', status: 'available' },
      ],
      'the seat list says blocked',
    )
    const listed = await api.request('GET', `/v1/events/${eventId}/blocks`, { admin: true })
    t.same(
      listed.body.items.map((b: { id: string }) => b.id),
      [res.body.id],
      'listed',
    )
    const one_ = await api.request('GET', `/v1/events/${eventId}/blocks/${res.body.id}`, { admin: true })
    t.match(one_.body, { id: res.body.id, seats: at('A1', 'A2'), status: 'active', endedAt: null })
    const change = await stream.waitFor((c) => c.type === 'seats.blocked', 5000, 'seats.blocked')
    t.match(change.change, { blockId: res.body.id, sections: [{ id: 's', available: 4, blocked: 2 }] })
  })

  await t.test('a block with a held, sold or blocked seat blocks nothing', async (t) => {
    const eventId = await createVenue(api)
    const held = await hold(api, eventId, [{ section: 's', seats: ['A3'] }])
    t.equal(held.status, 201)
    const bought = await hold(api, eventId, [{ section: 's', seats: ['A4'] }])
    const confirm = await api.request('POST', `/v1/events/${eventId}/holds/${bought.body.id}/confirm`, {
      token: bought.body.token,
    })
    t.equal(confirm.status, 201, 'A4 sold')

    const onHeld = await block(api, eventId, { seats: at('A5', 'A3') })
    t.equal(onHeld.status, 409)
    t.equal(onHeld.body.code, 'SEATS_NOT_BLOCKABLE')
    t.same(onHeld.body.details.seats, [{ section: 's', seat: 'A3', status: 'held' }])
    const onSold = await block(api, eventId, { seats: at('A5', 'A4') })
    t.same(onSold.body.details.seats, [{ section: 's', seat: 'A4', status: 'sold' }])
    t.equal((await block(api, eventId, { seats: at('A6') })).status, 201)
    const onBlocked = await block(api, eventId, { seats: at('A5', 'A6') })
    t.same(onBlocked.body.details.seats, [{ section: 's', seat: 'A6', status: 'blocked' }])

    t.match(await seatMap(api, eventId), { status: 'aahsab', blocked: 1 }, 'A5 was never blocked')
    const listed = await api.request('GET', `/v1/events/${eventId}/blocks`, { admin: true })
    t.equal(listed.body.items.length, 1, 'the refused blocks left nothing in the ledger')
    t.equal((await hold(api, eventId, [{ section: 's', seats: ['A5'] }])).status, 201, 'A5 holdable')
  })

  await t.test('unblocking puts every seat back on sale at once, and is safe to repeat', async (t) => {
    const eventId = await createVenue(api)
    const res = await block(api, eventId, { seats: at('A1', 'A2'), allocation: 'sponsor' })
    const path = `/v1/events/${eventId}/blocks/${res.body.id}`
    t.equal((await api.request('DELETE', path, { admin: true })).status, 204, 'unblocked')
    t.match(await section(api, eventId, 's'), { available: 6, blocked: 0 })
    t.equal((await hold(api, eventId, [{ section: 's', seats: ['A1', 'A2'] }])).status, 201, 'holdable')
    t.equal((await api.request('DELETE', path, { admin: true })).status, 204, 'again: 204')
    t.match((await api.request('GET', path, { admin: true })).body, { status: 'unblocked', endedAt: String })
    const listed = await api.request('GET', `/v1/events/${eventId}/blocks`, { admin: true })
    t.same(listed.body.items, [], 'an ended block is not listed')
    t.match(await seatMap(api, eventId), { status: 'hhaaaa' }, 'the repeat freed nothing held since')
    const again = await block(api, eventId, { seats: at('A3') })
    t.equal(again.status, 201, 'the ledger let the seats go: they can be blocked again')
  })

  await t.test('every refusal of the block routes has its code', async (t) => {
    const eventId = await createVenue(api)
    const code = async (res: Promise<{ status: number; body: { code: string } }>) => {
      const r = await res
      return `${r.status} ${r.body.code}`
    }
    t.equal(
      await code(block(api, eventId, { seats: [{ section: 'g', seat: '1' }] })),
      '400 SECTION_NOT_SEATED',
    )
    t.equal(await code(block(api, eventId, { seats: [{ section: 'x', seat: '1' }] })), '422 UNKNOWN_SECTION')
    t.equal(await code(block(api, eventId, { seats: at('A1', 'Z9') })), '422 UNKNOWN_SEAT')
    t.equal(await code(block(api, eventId, { seats: at('A1', 'A1') })), '400 DUPLICATE_SEATS')
    const soon = new Date(Date.now() + 60_000).toISOString()
    t.equal(await code(block(api, eventId, { seats: at('A1'), releaseAt: soon })), '400 INVALID_RELEASE_AT')
    const past = new Date(Date.now() - 1000).toISOString()
    t.equal(
      await code(block(api, eventId, { seats: at('A1'), allocation: 'press', releaseAt: past })),
      '400 INVALID_RELEASE_AT',
    )
    t.equal(await code(block(api, eventId, { seats: [] })), '400 INVALID_REQUEST')
    t.equal(await code(block(api, uniqueId('nope'), { seats: at('A1') })), '404 EVENT_NOT_FOUND')
    const anonymous = api.request('POST', `/v1/events/${eventId}/blocks`, {
      body: { seats: at('A1'), reason: 'x' },
    })
    t.equal(await code(anonymous), '401 UNAUTHORIZED')
    t.equal(await code(api.request('GET', `/v1/events/${eventId}/blocks`)), '401 UNAUTHORIZED')
    t.equal(
      await code(api.request('DELETE', `/v1/events/${eventId}/blocks/nope`, { admin: true })),
      '404 BLOCK_NOT_FOUND',
    )
    t.equal(
      await code(api.request('GET', `/v1/events/${eventId}/blocks/nope`, { admin: true })),
      '404 BLOCK_NOT_FOUND',
    )
    t.match(await seatMap(api, eventId), { status: 'aaaaaa' }, 'nothing was blocked by any of them')
  })

  await t.test('Redis loses everything: the rebuild restores blocks from the ledger', async (t) => {
    const eventId = await createVenue(api)
    const kept = await block(api, eventId, { seats: at('A1', 'A2') })
    const allocation = await block(api, eventId, {
      seats: at('A3'),
      allocation: 'accessible',
      releaseAt: new Date(Date.now() + 3_600_000).toISOString(),
    })
    const gone = await block(api, eventId, { seats: at('A4') })
    await api.request('DELETE', `/v1/events/${eventId}/blocks/${gone.body.id}`, { admin: true })
    const bought = await hold(api, eventId, [{ section: 's', seats: ['A5'] }])
    await api.request('POST', `/v1/events/${eventId}/holds/${bought.body.id}/confirm`, {
      token: bought.body.token,
    })

    await wipePrefix(api.redis, api.config.keyPrefix)
    t.match(
      await seatMap(api, eventId),
      { status: 'bbbasa', blocked: 3 },
      'rebuilt: blocks, not the ended one',
    )
    t.match(await section(api, eventId, 's'), { available: 2, sold: 1, blocked: 3 })
    t.equal((await hold(api, eventId, [{ section: 's', seats: ['A1'] }])).body.code, 'SEAT_UNAVAILABLE')
    const k = new EventKeys(api.config.keyPrefix, eventId)
    t.equal(await api.redis.get(k.seat('s', 'A3')), blockedBy(allocation.body.id), 'the seat names its block')
    t.ok(
      Number(await api.redis.zscore(k.releases, allocation.body.id)) > Date.now(),
      'its release is indexed',
    )

    // The reconciler compares every seat with the ledger: a blocked seat is neither free nor sold to it.
    const drift = new DriftReconciler(api.services.store, api.ledger, api.services.events)
    t.same(await drift.reconcile(eventId, true), { seats: 0, counts: 0, retry: false }, 'nothing to heal')
    t.match(await seatMap(api, eventId), { status: 'bbbasa' }, 'blocked seats stay blocked')
    const path = `/v1/events/${eventId}/blocks/${kept.body.id}`
    t.equal((await api.request('DELETE', path, { admin: true })).status, 204)
    t.match(await seatMap(api, eventId), { status: 'aabasa' }, 'and unblock after the rebuild')
  })
})

await eachLedger(t, 'a sale the ledger made wins over a block', async (t, ledger) => {
  const api = await startApp(t, ledger, {}, undefined, { jobs: false })
  const eventId = await createVenue(api)
  const held = await hold(api, eventId, [{ section: 's', seats: ['A1'] }])
  const store = api.services.store
  const pin = await store.pin(eventId, held.body.id, { tokenHash: '', admin: true }, uniqueId('r'), 30_000)
  t.equal(pin.kind, 'pinned')
  // The pinned hold's seat key lapsed (a confirm slower than its hold's TTL plus grace), and a block took
  // the seat; then the ledger's sale is finalised.
  await api.redis.del(new EventKeys(api.config.keyPrefix, eventId).seat('s', 'A1'))
  t.equal((await block(api, eventId, { seats: at('A1', 'A2') })).status, 201)
  t.match(await section(api, eventId, 's'), { blocked: 2 })
  const reservationId = pin.kind === 'pinned' ? pin.reservationId : ''
  t.same(await store.finaliseMany(eventId, [{ holdId: held.body.id, reservationId }], 60_000), ['finalised'])
  t.match(
    await seatMap(api, eventId),
    { status: 'sbaaaa', blocked: 1 },
    'sold, and no longer counted blocked',
  )
  t.match(await section(api, eventId, 's'), { available: 4, held: 0, sold: 1, blocked: 1 })
})
