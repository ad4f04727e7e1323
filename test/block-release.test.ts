/**
 * Issue 13, item 3: an allocation with a release time goes back on sale by itself within a second of it,
 * exactly once however many API instances run, announced once on the event stream and recorded in the
 * ledger (so a rebuild does not block it again).
 */
import t from 'tap'
import { eachLedger, startApp, testConfig, uniqueId } from './helpers/app.js'
import { ledgerOfItsOwn } from './helpers/ledgers.js'
import type { TestApp } from './helpers/app.js'
import { wipePrefix } from './helpers/event-keys.js'
import { eventually } from './helpers/eventually.js'
import { StreamClient } from './helpers/stream.js'

async function createVenue(api: TestApp): Promise<string> {
  const id = uniqueId('rel')
  const res = await api.request('POST', '/v1/events', {
    admin: true,
    body: { id, name: 'Release', sections: [{ id: 's', name: 'S', price: 1000, seats: ['A1', 'A2', 'A3'] }] },
  })
  if (res.status !== 201) throw new Error(`event refused: ${res.status} ${JSON.stringify(res.body)}`)
  return id
}

async function allocate(api: TestApp, eventId: string, releaseAt: number) {
  const res = await api.request('POST', `/v1/events/${eventId}/blocks`, {
    admin: true,
    body: {
      seats: [
        { section: 's', seat: 'A1' },
        { section: 's', seat: 'A2' },
      ],
      reason: 'wheelchair spaces until the release date',
      allocation: 'accessible',
      releaseAt: new Date(releaseAt).toISOString(),
    },
  })
  if (res.status !== 201) throw new Error(`block refused: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body.id as string
}

const mapOf = async (api: TestApp, eventId: string) =>
  (await api.request('GET', `/v1/events/${eventId}/seat-map`)).body.sections[0].status as string

await eachLedger(t, 'allocations released at their time', async (t, _shared, target) => {
  // A database of this file's own: another test file's instances (another Redis prefix) run the release
  // job against the shared test database too, and one whose pass came first released an allocation here
  // in its own Redis (CI once waited 10 s for an announcement that went to that other prefix).
  const ledger = await ledgerOfItsOwn(t, target, 'block_release')
  await t.test('two instances: released within 1 s of its time, announced once, recorded', async (t) => {
    // Two API instances of one deployment: one Redis prefix, one ledger, each running the jobs.
    const keyPrefix = testConfig().keyPrefix
    const a = await startApp(t, ledger, { keyPrefix })
    const b = await startApp(t, ledger, { keyPrefix })
    const eventId = await createVenue(a)
    const stream = await StreamClient.open(t, b.url, eventId)
    const releaseAt = (await a.services.store.now()) + 1500
    const blockId = await allocate(a, eventId, releaseAt)
    t.equal(await mapOf(b, eventId), 'bba', 'held back until its time')
    const early = await b.request('POST', `/v1/events/${eventId}/holds`, {
      body: { holder: 'early', items: [{ section: 's', seats: ['A3', 'A2'] }] },
    })
    t.equal(early.body.code, 'SEAT_UNAVAILABLE', 'a hold of an allocated seat is refused, and takes nothing')
    t.equal(await mapOf(b, eventId), 'bba')

    const { change, receivedAt } = await stream.waitFor(
      (c) => c.type === 'seats.released',
      10_000,
      'seats.released',
    )
    const releasedAt = Date.parse(change.at)
    t.ok(releasedAt >= releaseAt, `not before its time (${releasedAt - releaseAt} ms after, Redis time)`)
    t.ok(releasedAt - releaseAt <= 1000, `within 1 s of its time: ${releasedAt - releaseAt} ms`)
    t.ok(receivedAt - releaseAt <= 1000, `the watcher knew within 1 s: ${receivedAt - releaseAt} ms`)
    t.match(change, { blockId, sections: [{ id: 's', available: 3, blocked: 0 }] })
    t.equal(await mapOf(a, eventId), 'aaa', 'on sale on one instance')
    t.equal(await mapOf(b, eventId), 'aaa', 'and the other')

    const path = `/v1/events/${eventId}/blocks/${blockId}`
    await eventually('the ledger records the release', async () => {
      const res = await a.request('GET', path, { admin: true })
      return res.body.status === 'released'
    })
    // Changes reach the stream in order: a hold taken now is seen after any second announcement would be.
    const held = await a.request('POST', `/v1/events/${eventId}/holds`, {
      body: { holder: 'fan', items: [{ section: 's', seats: ['A1'] }] },
    })
    t.equal(held.status, 201, 'a released seat is holdable')
    await stream.waitFor((c) => c.type === 'hold.created', 5000, 'the hold on the stream')
    t.equal(stream.changes().filter((c) => c.type === 'seats.released').length, 1, 'announced exactly once')
    t.equal(
      (await a.request('DELETE', path, { admin: true })).status,
      204,
      'unblocking a released block: 204',
    )
    t.equal(await mapOf(a, eventId), 'haa', 'and it frees nothing held since')
  })

  await t.test('many callers on two instances: one releases it', async (t) => {
    const keyPrefix = testConfig().keyPrefix
    const a = await startApp(t, ledger, { keyPrefix }, undefined, { jobs: false })
    const b = await startApp(t, ledger, { keyPrefix }, undefined, { jobs: false })
    const eventId = await createVenue(a)
    const releaseAt = (await a.services.store.now()) + 300
    const blockId = await allocate(a, eventId, releaseAt)
    const seats = [
      { section: 's', seat: 'A1' },
      { section: 's', seat: 'A2' },
    ]
    const early = await a.services.store.freeBlock(eventId, blockId, seats, 'release')
    t.same(early, { kind: 'notDue' }, 'not before its time')
    t.equal(await mapOf(a, eventId), 'bba')
    await eventually('its time', async () => (await a.services.store.now()) >= releaseAt)

    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? a : b).services.store.freeBlock(eventId, blockId, seats, 'release'),
      ),
    )
    t.equal(replies.filter((r) => r.kind === 'freed').length, 1, 'one call released it')
    t.same(
      replies.find((r) => r.kind === 'freed'),
      { kind: 'freed', seats: 2 },
      'both seats at once',
    )
    t.equal(await mapOf(b, eventId), 'aaa')

    // The job's pass on both instances at once: each records it in the ledger, neither releases it again.
    const passes = await Promise.all(
      [a, b].map((api) => api.services.blocks.releaseDue((_, error) => t.fail(String(error)))),
    )
    t.same(passes, [0, 0], 'released already: only recorded')
    t.match((await a.request('GET', `/v1/events/${eventId}/blocks/${blockId}`, { admin: true })).body, {
      status: 'released',
    })
    t.same(
      await ledger.dueReleases(Date.now() + 60_000, 100).then((due) => due.filter((d) => d.id === blockId)),
      [],
    )
  })

  await t.test('an allocation past its time is not blocked again by a rebuild', async (t) => {
    const api = await startApp(t, ledger, {}, undefined, { jobs: false })
    const eventId = await createVenue(api)
    const releaseAt = (await api.services.store.now()) + 300
    await allocate(api, eventId, releaseAt)
    await eventually('its time', async () => (await api.services.store.now()) >= releaseAt)
    // Redis lost the event before the release job ran: the ledger still has the block open.
    await wipePrefix(api.redis, api.config.keyPrefix)
    t.equal(await mapOf(api, eventId), 'aaa', 'rebuilt with its seats on sale')
    t.equal(
      await api.services.blocks.releaseDue((_, error) => t.fail(String(error))),
      0,
      'nothing left to free',
    )
    const listed = await api.request('GET', `/v1/events/${eventId}/blocks`, { admin: true })
    t.same(listed.body.items, [], 'recorded as released')
  })
})
