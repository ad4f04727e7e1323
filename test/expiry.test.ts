import t from 'tap'
import type { Test } from 'tap'
import type { Cluster } from 'ioredis'
import { EventKeys } from '../src/redis/keys.js'
import { SWEEP_INTERVAL_MS } from '../src/jobs/index.js'
import { createEvent, seats, startApp } from './helpers/app.js'
import type { TestApp } from './helpers/app.js'
import { openLedger, postgresTarget } from './helpers/ledgers.js'
import { startRedisCluster } from './helpers/redis-cluster.js'
import { RedisServer } from './helpers/redis-server.js'
import { eventually } from './helpers/eventually.js'
import { StreamClient } from './helpers/stream.js'

/** Takes a one-second hold and waits for its hold.expired on the stream; returns the lag after expiresAt. */
async function expireOne(t: Test, api: TestApp, client: StreamClient, eventId: string, seat: string) {
  const created = await api.request('POST', `/v1/events/${eventId}/holds`, {
    body: { holder: `holder-${seat}`, ttlSeconds: 1, items: [{ section: 's', seats: [seat] }] },
  })
  t.equal(created.status, 201, 'hold taken')
  const { receivedAt } = await client.waitFor(
    (m) => m.type === 'hold.expired' && m.holdId === created.body.id,
    5000,
    'hold.expired',
  )
  return { holdId: created.body.id as string, lag: receivedAt - Date.parse(created.body.expiresAt) }
}

/**
 * Expiry is the sweeper's job (every SWEEP_INTERVAL_MS on the instance that leads it, with a standby on
 * every other instance) plus the scripts' lazy reclaim. Keyspace notifications are not used: measured in
 * bench/expiry.ts they never delivered an expiry before the sweeper did (Redis finds expired keys late when
 * many keys have a TTL), so they cost a key per hold and a subscriber for nothing.
 */
await t.test('expiry (private Redis servers)', async (t) => {
  const ledger = await openLedger(t, await postgresTarget())

  await t.test('the sweeper expires holds within its interval, with notifications off', async (t) => {
    const server = await RedisServer.start(t, ['--notify-keyspace-events', ''])
    const api = await startApp(t, ledger, { redisUrl: server.url })
    const eventId = await createEvent(api, { seated: { s: seats('S', 10) } })
    const client = await StreamClient.open(t, api.url, eventId)
    for (const seat of ['S1', 'S2', 'S3']) {
      const { lag } = await expireOne(t, api, client, eventId, seat)
      t.ok(
        lag <= SWEEP_INTERVAL_MS + 600,
        `expired ${lag} ms after expiresAt (sweep interval ${SWEEP_INTERVAL_MS} ms + margin)`,
      )
    }
    const keys = await api.redis.keys(`${api.config.keyPrefix}:*:hx:*`)
    t.same(keys, [], 'no per-slot timer keys are written')
  })

  await t.test('every expiry is reported exactly once', async (t) => {
    const server = await RedisServer.start(t)
    const api = await startApp(t, ledger, { redisUrl: server.url })
    const eventId = await createEvent(api, { seated: { s: seats('S', 20) }, ga: { g: 50 } })
    const client = await StreamClient.open(t, api.url, eventId)
    const holds: string[] = []
    for (let i = 0; i < 20; i++) {
      const res = await api.request('POST', `/v1/events/${eventId}/holds`, {
        body: {
          holder: `h${i}`,
          ttlSeconds: 1,
          items: [
            { section: 's', seats: [`S${i + 1}`] },
            { section: 'g', quantity: 2 },
          ],
        },
      })
      t.equal(res.status, 201)
      holds.push(res.body.id as string)
    }
    const expired = () => client.changes().filter((m) => m.type === 'hold.expired')
    await eventually('every hold to expire', () => expired().length >= holds.length, { deadlineMs: 5000 })
    // Whoever sweeps now finds nothing left; a marker change after it shows nothing else was published.
    const again = await api.services.store.sweep(eventId)
    t.equal(again.reclaimed, 0, 'a sweep after the fact reclaims nothing')
    const marker = await api.request('POST', `/v1/events/${eventId}/holds`, {
      body: { holder: 'marker', items: [{ section: 'g', quantity: 1 }] },
    })
    await client.waitFor((m) => m.holdId === marker.body.id, 2000, 'the marker change')
    const counts = new Map<string, number>()
    for (const m of expired()) counts.set(m.holdId ?? '', (counts.get(m.holdId ?? '') ?? 0) + 1)
    t.same([...counts.keys()].sort(), [...holds].sort(), 'every hold expired')
    t.ok(
      [...counts.values()].every((n) => n === 1),
      'each exactly once',
    )
    const view = await api.request('GET', `/v1/events/${eventId}`)
    t.same(
      (view.body.sections as { id: string; held: number }[]).map((s) => [s.id, s.held]),
      [
        ['s', 0],
        ['g', 1],
      ],
      'counts are back (the marker holds one unit)',
    )
  })

  await t.test('on Redis Cluster the sweeper expires holds on every master', async (t) => {
    const nodes = await startRedisCluster(t)
    const api = await startApp(t, ledger, { redisClusterNodes: nodes })
    const cluster = api.redis as Cluster
    const events: string[] = []
    const masters = new Set<string>()
    // Which master serves a slot, as the cluster itself says (the client's slot cache may still be filling).
    const ranges = await cluster.cluster('SLOTS')
    const masterOf = (slot: number) => {
      const range = ranges.find(([from, to]) => slot >= from && slot <= to)
      const master = range?.[2]
      return master ? `${master[0]}:${master[1]}` : '?'
    }
    // Eight events, more if those happened to share a master (event ids are random).
    for (let i = 0; i < 8 || (masters.size < 2 && i < 40); i++) {
      const eventId = await createEvent(api, { seated: { s: seats('S', 3) } })
      events.push(eventId)
      const slot = Number(await cluster.cluster('KEYSLOT', new EventKeys(api.config.keyPrefix, eventId).meta))
      masters.add(masterOf(slot))
    }
    t.ok(masters.size >= 2, `the events live on ${masters.size} masters`)
    const clients = await Promise.all(events.map((eventId) => StreamClient.open(t, api.url, eventId)))
    const lags = await Promise.all(
      events.map((eventId, i) => expireOne(t, api, clients[i] as StreamClient, eventId, 'S1')),
    )
    for (const { lag } of lags) t.ok(lag <= 1000, `hold.expired ${lag} ms after expiresAt`)
  })
})
