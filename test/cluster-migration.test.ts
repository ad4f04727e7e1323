/**
 * During a Redis Cluster slot migration, Redis checks a script's DECLARED keys before it runs: with some of
 * them already moved (or never there) it answers TRYAGAIN and nothing runs. A key the script touches
 * without declaring it is met only mid-way ("non local key"), after earlier writes. Here the event's slot
 * is MIGRATING with one seat key of a live hold already on the importing node: a create and an extend of
 * that hold are refused cleanly (503) and neither node's keys change; once the migration finishes the
 * retries work. Before the hold's own keys were declared the extend moved the hold's expiry and its
 * holder's index, then failed on the seat key: half done.
 */
import t from 'tap'
import { Redis } from 'ioredis'
import { assertCountsConsistent, createEvent, eachLedger, seats, startApp } from './helpers/app.js'
import { checkLedgerInvariants } from './helpers/invariants.js'
import { startRedisCluster } from './helpers/redis-cluster.js'

/** The event's keys on one node, with their values (TTLs aside); ASKING lets an importing node answer. */
async function snapshot(node: Redis, base: string): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  const asking = () => node.call('ASKING')
  for (const key of await node.keys(`${base}:*`)) {
    await asking()
    const type = await node.type(key)
    await asking()
    if (type === 'string') out.set(key, String(await node.get(key)))
    else if (type === 'hash') out.set(key, JSON.stringify(Object.entries(await node.hgetall(key)).sort()))
    else if (type === 'zset') out.set(key, JSON.stringify(await node.zrange(key, 0, -1, 'WITHSCORES')))
    else out.set(key, type)
  }
  return out
}

await eachLedger(t, 'a create and an extend during a slot migration', async (t, ledger) => {
  const nodes = await startRedisCluster(t)
  const api = await startApp(t, ledger, { redisClusterNodes: nodes }, undefined, { jobs: false })
  const eventId = await createEvent(api, { seated: { s: seats('S', 4) }, ga: { g: 10 } })
  const keys = api.services.store.keys(eventId)
  const first = await api.request('POST', `/v1/events/${eventId}/holds`, {
    body: { holder: 'a', items: [{ section: 's', seats: ['S1'] }] },
  })
  t.equal(first.status, 201, 'a hold before the migration')

  const clients = nodes.map((n) => new Redis(n.port, n.host))
  t.teardown(() => clients.forEach((c) => c.disconnect()))
  const ids = await Promise.all(clients.map((c) => c.cluster('MYID') as Promise<string>))
  const slot = (await clients[0]?.cluster('KEYSLOT', keys.meta)) as number
  const ranges = (await clients[0]?.cluster('SLOTS')) ?? []
  const range = ranges.find(([from, to]) => from <= slot && slot <= to)
  const owner = nodes.findIndex((n) => n.port === range?.[2]?.[1])
  const target = (owner + 1) % clients.length
  const source = clients[owner] as Redis
  const dest = clients[target] as Redis
  const destNode = nodes[target] as { host: string; port: number }

  await dest.call('CLUSTER', 'SETSLOT', slot, 'IMPORTING', ids[owner] as string)
  await source.call('CLUSTER', 'SETSLOT', slot, 'MIGRATING', ids[target] as string)
  await source.call('MIGRATE', destNode.host, destNode.port, '', 0, 5000, 'KEYS', keys.seat('s', 'S1'))
  const before = [await snapshot(source, keys.base), await snapshot(dest, keys.base)]
  t.ok(before[1]?.has(keys.seat('s', 'S1')), "the hold's seat key is on the importing node")

  // An Idempotency-Key: the service then keeps the hold for a retry instead of undoing it, so what the
  // script itself left behind shows.
  const create = () =>
    api.request('POST', `/v1/events/${eventId}/holds`, {
      body: {
        holder: 'b',
        items: [
          { section: 's', seats: ['S2'] },
          { section: 'g', quantity: 2 },
        ],
      },
      headers: { 'idempotency-key': 'during-migration' },
    })
  const during = await create()
  t.equal(during.status, 503, 'the create is refused while a declared key has moved')
  t.equal(during.body.code, 'REDIS_UNAVAILABLE', 'as Redis unavailable (retry)')
  const extend = () =>
    api.request('POST', `/v1/events/${eventId}/holds/${first.body.id}/extend`, {
      token: first.body.token,
      body: { ttlSeconds: 900 },
    })
  const extended = await extend()
  t.equal(extended.status, 503, 'the extend is refused while a declared key has moved')
  const after = [await snapshot(source, keys.base), await snapshot(dest, keys.base)]
  t.same(
    after.map((m) => Object.fromEntries(m)),
    before.map((m) => Object.fromEntries(m)),
    'no key changed on either node: nothing ran half-way',
  )

  // The migration finishes: every other key of the slot moves, and the slot is the importing node's.
  const rest = (await source.call('CLUSTER', 'GETKEYSINSLOT', slot, 1000)) as string[]
  await source.call('MIGRATE', destNode.host, destNode.port, '', 0, 5000, 'KEYS', ...rest)
  for (const client of [dest, source, ...clients.filter((c) => c !== dest && c !== source)])
    await client.call('CLUSTER', 'SETSLOT', slot, 'NODE', ids[target] as string)
  const retried = await create()
  t.equal(retried.status, 201, 'the retry with the same key takes the hold')
  t.equal((await extend()).status, 200, 'the extend works again')
  await assertCountsConsistent(t, api, eventId)
  await checkLedgerInvariants(t, api, eventId, { confirmed: [], holds: [first.body.id, retried.body.id] })
})
