/**
 * The rush path: once Redis has said a section has nothing left, holds on it are refused from memory,
 * with no script call, on every instance; the moment units come back (release, expiry, cancel) every
 * instance forgets the mark. Commands are counted on a private Redis (INFO commandstats).
 */
import { Redis } from 'ioredis'
import t from 'tap'
import { createRedis } from '../src/redis/client.js'
import { SoldOutCache } from '../src/redis/sold-out.js'
import { createEvent, eachLedger, startApp, testConfig } from './helpers/app.js'
import type { TestApp } from './helpers/app.js'
import { eventually } from './helpers/eventually.js'
import { RedisServer } from './helpers/redis-server.js'
import { TcpProxy } from './helpers/tcp-proxy.js'

/** Script calls Redis ran since the last CONFIG RESETSTAT. */
async function scriptCalls(probe: Redis): Promise<number> {
  const stats = await probe.info('commandstats')
  let calls = 0
  for (const match of stats.matchAll(/^cmdstat_(fcall|evalsha|eval):calls=(\d+)/gm)) calls += Number(match[2])
  return calls
}

await eachLedger(t, 'sold-out sections are refused without a script call', async (t, ledger) => {
  const server = await RedisServer.start(t)
  const probe = new Redis(server.url)
  t.teardown(() => probe.disconnect())
  const keyPrefix = `so${Date.now()}`
  // Marks that would live a minute: only the "units are back" message can clear them in this test.
  const start = async (): Promise<TestApp> => {
    const cache = new SoldOutCache(
      createRedis(testConfig({ redisUrl: server.url }), 'seatlock-soldout'),
      keyPrefix,
      60_000,
    )
    return startApp(t, ledger, { redisUrl: server.url, keyPrefix }, undefined, {
      soldOut: cache,
      jobs: false,
    })
  }
  const [a, b] = [await start(), await start()]
  const eventId = await createEvent(a, { ga: { ga: 2 }, seated: { hall: ['A1', 'A2'] } })
  const hold = (api: TestApp, items: unknown[], headers: Record<string, string> = {}) =>
    api.request('POST', `/v1/events/${eventId}/holds`, {
      body: { holder: `h-${Math.random()}`, items },
      headers,
    })

  await t.test('GA: refused from memory on both instances, back the moment units return', async (t) => {
    const taken = await hold(a, [{ section: 'ga', quantity: 2 }])
    t.equal(taken.status, 201)
    const first = [
      await hold(a, [{ section: 'ga', quantity: 1 }]),
      await hold(b, [{ section: 'ga', quantity: 1 }]),
    ]
    t.same(
      first.map((r) => [r.status, r.body.code, r.body.details]),
      [
        [409, 'INSUFFICIENT_CAPACITY', { section: 'ga', requested: 1, available: 0 }],
        [409, 'INSUFFICIENT_CAPACITY', { section: 'ga', requested: 1, available: 0 }],
      ],
      'the first refusal on each instance comes from Redis',
    )
    await probe.config('RESETSTAT')
    const rush = await Promise.all(
      Array.from({ length: 50 }, (_, i) => hold(i % 2 ? a : b, [{ section: 'ga', quantity: 1 + (i % 2) }])),
    )
    t.ok(
      rush.every(
        (r) => r.status === 409 && r.body.code === 'INSUFFICIENT_CAPACITY' && r.body.details.available === 0,
      ),
      '50 more refusals, same answer',
    )
    t.same(
      rush[1]?.body.details,
      { section: 'ga', requested: 2, available: 0 },
      'details as the script gives them',
    )
    t.equal(await scriptCalls(probe), 0, 'and not one script call for them')

    const keyed = await hold(b, [{ section: 'ga', quantity: 1 }], { 'idempotency-key': `k-${Date.now()}` })
    t.equal(keyed.status, 409, 'a request with an Idempotency-Key is refused too')
    t.equal(await scriptCalls(probe), 1, 'but by Redis: it might have had a hold to replay')

    const released = await a.request('DELETE', `/v1/events/${eventId}/holds/${taken.body.id}`, {
      token: taken.body.token,
    })
    t.equal(released.status, 204)
    const again = await hold(b, [{ section: 'ga', quantity: 2 }])
    t.equal(again.status, 201, 'the very next hold on the other instance gets the units back')
    await b.request('DELETE', `/v1/events/${eventId}/holds/${again.body.id}`, { token: again.body.token })
  })

  await t.test('a message that arrives late cannot make a refusal stale', async (t) => {
    // Instance d hears the "units are back" message 100 ms late (its subscriber goes through a slow
    // proxy); its script calls go straight to Redis. A buyer who saw a release answered on a, then asks d,
    // must get the units: d's refusal from memory waits until its subscriber has caught up.
    const proxy = await TcpProxy.start(t, { host: '127.0.0.1', port: server.port })
    const d = await startApp(t, ledger, { redisUrl: server.url, keyPrefix }, undefined, {
      soldOut: new SoldOutCache(
        createRedis(testConfig({ redisUrl: `redis://127.0.0.1:${proxy.port}` }), 'seatlock-soldout'),
        keyPrefix,
        60_000,
      ),
      jobs: false,
    })
    const lateId = await createEvent(a, { ga: { ga: 2 } })
    const holdOn = (api: TestApp, quantity: number) =>
      api.request('POST', `/v1/events/${lateId}/holds`, {
        body: { holder: `h-${Math.random()}`, items: [{ section: 'ga', quantity }] },
      })
    const taken = await holdOn(a, 2)
    t.equal(taken.status, 201)
    t.equal((await holdOn(d, 1)).status, 409, 'd learns the section is sold out from Redis')
    await probe.config('RESETSTAT')
    t.equal((await holdOn(d, 1)).status, 409, 'and refuses the next hold from memory')
    t.equal(await scriptCalls(probe), 0, 'without a script call')

    proxy.delayReplies(100)
    const released = await a.request('DELETE', `/v1/events/${lateId}/holds/${taken.body.id}`, {
      token: taken.body.token,
    })
    t.equal(released.status, 204)
    const again = await holdOn(d, 2)
    t.equal(again.status, 201, 'the next hold on d gets the units, although the message was still on its way')
    proxy.delayReplies(0)
  })

  await t.test('GA: a hold that expires brings the section back through the sweeper', async (t) => {
    const short = await a.request('POST', `/v1/events/${eventId}/holds`, {
      body: { holder: 'brief', ttlSeconds: 1, items: [{ section: 'ga', quantity: 2 }] },
    })
    t.equal(short.status, 201)
    t.equal((await hold(b, [{ section: 'ga', quantity: 1 }])).status, 409, 'marked sold out')
    // An instance that runs the sweeper: the expiry it reclaims is announced like a release.
    await startApp(t, ledger, { redisUrl: server.url, keyPrefix }, undefined, { jobs: true })
    const expiresAt = Date.parse(short.body.expiresAt)
    await eventually(
      'the units to come back',
      async () => (await hold(b, [{ section: 'ga', quantity: 2 }])).status === 201,
      { deadlineMs: expiresAt + 3000 - Date.now() },
    )
    t.ok(Date.now() - expiresAt < 1500, `within ${Date.now() - expiresAt} ms of the expiry`)
  })

  await t.test('seated: every seat asked for is listed; a cancel brings the section back', async (t) => {
    const taken = await hold(a, [{ section: 'hall', seats: ['A1', 'A2'] }])
    t.equal(taken.status, 201)
    const sold = await a.request('POST', `/v1/events/${eventId}/holds/${taken.body.id}/confirm`, {
      token: taken.body.token,
    })
    t.equal(sold.status, 201)
    t.equal((await hold(b, [{ section: 'hall', seats: ['A2'] }])).status, 409, 'marked by this refusal')
    await probe.config('RESETSTAT')
    const refused = await hold(b, [{ section: 'hall', seats: ['A1', 'A2'] }])
    t.same(
      [refused.status, refused.body.code, refused.body.details],
      [
        409,
        'SEAT_UNAVAILABLE',
        {
          seats: [
            { section: 'hall', seat: 'A1' },
            { section: 'hall', seat: 'A2' },
          ],
        },
      ],
      'every seat asked for is unavailable',
    )
    const mixed = await hold(b, [
      { section: 'hall', seats: ['A1'] },
      { section: 'ga', quantity: 1 },
    ])
    t.same(
      [mixed.status, mixed.body.details],
      [409, { seats: [{ section: 'hall', seat: 'A1' }] }],
      'a hold that also names a section with room is decided by Redis',
    )
    t.equal(await scriptCalls(probe), 1, 'only that one reached Redis')

    const cancelled = await a.request('DELETE', `/v1/events/${eventId}/reservations/${sold.body.id}`, {
      token: taken.body.token,
    })
    t.equal(cancelled.status, 204)
    const again = await hold(b, [{ section: 'hall', seats: ['A2'] }])
    t.equal(again.status, 201, 'the next hold on the other instance gets a cancelled seat')
  })
})
