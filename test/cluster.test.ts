import t from 'tap'
import { Cluster } from 'ioredis'
import { retireDueEvents } from '../src/jobs/retention.js'
import { EventKeys } from '../src/redis/keys.js'
import { assertCountsConsistent, createEvent, eachLedger, seats, startApp, uniqueId } from './helpers/app.js'
import { checkLedgerInvariants } from './helpers/invariants.js'
import { startRedisCluster } from './helpers/redis-cluster.js'

await eachLedger(t, 'on a Redis Cluster of three masters', async (t, ledger) => {
  const nodes = await startRedisCluster(t)
  const api = await startApp(t, ledger, { redisClusterNodes: nodes })
  t.ok(api.redis instanceof Cluster, 'the service uses a cluster client')

  // Events spread over slots owned by different masters; every script stays in its event's slot.
  const events = await Promise.all(
    Array.from({ length: 6 }, () => createEvent(api, { seated: { s: seats('S', 20) }, ga: { g: 30 } })),
  )
  const slots = new Set(
    await Promise.all(
      events.map((id) => api.redis.cluster('KEYSLOT', new EventKeys(api.config.keyPrefix, id).meta)),
    ),
  )
  t.ok(slots.size > 1, `events live in ${slots.size} different slots`)

  for (const eventId of events) {
    const racers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        api.request('POST', `/v1/events/${eventId}/holds`, {
          body: {
            holder: `c-${i}`,
            items: [
              { section: 's', seats: [`S${(i % 10) + 1}`, `S${(i % 10) + 11}`] },
              { section: 'g', quantity: 2 },
            ],
          },
        }),
      ),
    )
    const won = racers.filter((r) => r.status === 201)
    t.equal(won.length, 10, `${eventId}: ten disjoint holds win`)
    t.ok(
      racers.filter((r) => r.status === 409).every((r) => r.body.code === 'SEAT_UNAVAILABLE'),
      'the rest are refused for their seats',
    )
    const [first, second, ...rest] = won
    const extend = await api.request('POST', `/v1/events/${eventId}/holds/${first?.body.id}/extend`, {
      token: first?.body.token,
      body: { ttlSeconds: 120 },
    })
    t.equal(extend.status, 200, 'extend works on the cluster')
    const release = await api.request('DELETE', `/v1/events/${eventId}/holds/${second?.body.id}`, {
      token: second?.body.token,
    })
    t.equal(release.status, 204, 'release works on the cluster')
    const confirmed = await Promise.all(
      rest.map((h) =>
        api.request('POST', `/v1/events/${eventId}/holds/${h.body.id}/confirm`, { token: h.body.token }),
      ),
    )
    t.ok(
      confirmed.every((c) => c.status === 201),
      'confirms work on the cluster',
    )
    await assertCountsConsistent(t, api, eventId)
    await checkLedgerInvariants(t, api, eventId, {
      confirmed: confirmed.map((c) => c.body.id),
      holds: won.map((h) => h.body.id),
    })
  }

  // Retention on the cluster: the event's keys (seat keys, tombstones found by scanning every master) go,
  // and the next read rebuilds it from the ledger.
  const past = uniqueId('past')
  const made = await api.request('POST', '/v1/events', {
    admin: true,
    body: {
      id: past,
      name: 'Past',
      startsAt: new Date(Date.now() - 3600_000).toISOString(),
      sections: [{ id: 's', name: 's', price: 100, seats: seats('S', 700) }],
    },
  })
  t.equal(made.status, 201, 'a past event on the cluster')
  const sold = await api.request('POST', `/v1/events/${past}/holds`, {
    body: { holder: 'p', items: [{ section: 's', seats: ['S1', 'S700'] }] },
  })
  const sale = await api.request('POST', `/v1/events/${past}/holds/${sold.body.id}/confirm`, {
    token: sold.body.token,
  })
  t.equal(sale.status, 201, 'two seats sold')
  const tally = await retireDueEvents(api.services, new AbortController().signal, Date.now() + 2 * 86_400_000)
  t.ok(tally.evicted >= 1, 'the past event is evicted')
  const cluster = api.redis as Cluster
  const pattern = `${new EventKeys(api.config.keyPrefix, past).base}:*`
  const left = await Promise.all(
    cluster
      .nodes('master')
      .map(async (node) => (await node.scan('0', 'MATCH', pattern, 'COUNT', 100_000))[1]),
  )
  t.same(left.flat(), [], 'no key of the event is left on any master')
  const view = await api.request('GET', `/v1/events/${past}`)
  t.match(view.body.sections, [{ id: 's', sold: 2, held: 0 }], 'rebuilt from the ledger on the next read')
})
