/**
 * A confirm, extend or release of a hold this process created gives the script the hold's own keys from
 * memory: no HGETALL before the script (it was one round trip before each of pin and finalise). A wrong
 * remembered entry is caught by the script (-30 before any write) and read again, so it costs a read,
 * never a wrong answer.
 */
import t from 'tap'
import type { RedisClient } from '../src/redis/client.js'
import { OwnKeysCache } from '../src/redis/own-keys-cache.js'
import { createEvent, startApp } from './helpers/app.js'
import { openLedger, postgresTarget } from './helpers/ledgers.js'
import { RedisServer } from './helpers/redis-server.js'

/**
 * Counts the HGETALL commands this client sends from now on (pipelined ones too: a pipeline sends through
 * the same method). Commands the scripts run inside Redis are not the client's and do not count.
 */
function countHgetalls(redis: RedisClient): () => number {
  let count = 0
  const send = redis.sendCommand.bind(redis)
  redis.sendCommand = ((command: { name: string }, ...rest: unknown[]) => {
    if (command.name === 'hgetall') count++
    return (send as (...args: unknown[]) => unknown)(command, ...rest)
  }) as typeof redis.sendCommand
  return () => count
}

t.test(
  'pin and finalise of a hold created here read nothing first; a wrong entry is read again',
  async (t) => {
    const ledger = await openLedger(t, await postgresTarget())
    const server = await RedisServer.start(t)
    const api = await startApp(t, ledger, { redisUrl: server.url }, undefined, { jobs: false })
    const eventId = await createEvent(api, { seated: { a: ['1', '2', '3', '4'] }, ga: { ga: 10 } })
    const store = api.services.store

    const hold = async (items: unknown[]) => {
      const res = await api.request('POST', `/v1/events/${eventId}/holds`, { body: { holder: 'h', items } })
      t.equal(res.status, 201)
      const body = res.body as { id: string; token: string }
      return { holdId: body.id, token: body.token }
    }

    const seated = await hold([
      { section: 'a', seats: ['1', '2'] },
      { section: 'ga', quantity: 2 },
    ])
    const hgetalls = countHgetalls(api.redis)
    const before = hgetalls()
    const confirmed = await api.request('POST', `/v1/events/${eventId}/holds/${seated.holdId}/confirm`, {
      token: seated.token,
    })
    t.equal(confirmed.status, 201)
    t.equal(hgetalls(), before, 'pin and finalise ran on remembered own keys')
    t.equal(
      store.ownKeysCache.get(store.keys(eventId).hold(seated.holdId)),
      undefined,
      'forgotten once final',
    )

    // A remembered entry that is not the hold's keys: the script refuses it before writing, the store reads.
    const wrong = await hold([{ section: 'a', seats: ['3'] }])
    const k = store.keys(eventId)
    store.ownKeysCache.set(k.hold(wrong.holdId), [k.holder('someone else')])
    const beforeWrong = hgetalls()
    const extended = await api.request('POST', `/v1/events/${eventId}/holds/${wrong.holdId}/extend`, {
      token: wrong.token,
      body: { ttlSeconds: 60 },
    })
    t.equal(extended.status, 200, 'extended all the same')
    t.equal(hgetalls(), beforeWrong + 1, 'after the -30, one read of the real keys')
    const released = await api.request('DELETE', `/v1/events/${eventId}/holds/${wrong.holdId}`, {
      token: wrong.token,
    })
    t.equal(released.status, 204)
    const seat = await api.request('POST', `/v1/events/${eventId}/holds`, {
      body: { holder: 'other', items: [{ section: 'a', seats: ['3'] }] },
    })
    t.equal(seat.status, 201, 'the released seat is free again: the release touched the real seat key')
  },
)

t.test('a hold another process created is read once, then remembered', async (t) => {
  const ledger = await openLedger(t, await postgresTarget())
  const server = await RedisServer.start(t)
  const first = await startApp(t, ledger, { redisUrl: server.url }, undefined, { jobs: false })
  const eventId = await createEvent(first, { seated: { a: ['1', '2'] } })
  const second = await startApp(
    t,
    ledger,
    { redisUrl: server.url, keyPrefix: first.config.keyPrefix },
    undefined,
    {
      jobs: false,
    },
  )
  const res = await first.request('POST', `/v1/events/${eventId}/holds`, {
    body: { holder: 'h', items: [{ section: 'a', seats: ['1'] }] },
  })
  t.equal(res.status, 201)
  const { id: holdId, token } = res.body as { id: string; token: string }
  const hgetalls = countHgetalls(second.redis)
  const confirmed = await second.request('POST', `/v1/events/${eventId}/holds/${holdId}/confirm`, { token })
  t.equal(confirmed.status, 201)
  t.equal(hgetalls(), 1, 'one read for the pin; the finalise used what it read')
})

t.test('the cache is bounded: the oldest entry goes first', async (t) => {
  const cache = new OwnKeysCache(2)
  cache.set('a', ['1'])
  cache.set('b', ['2'])
  cache.set('a', ['1'])
  cache.set('c', ['3'])
  t.equal(cache.size, 2)
  t.equal(cache.get('a'), undefined, 'the oldest insertion went')
  t.same(cache.get('b'), ['2'])
  t.same(cache.get('c'), ['3'])
  const off = new OwnKeysCache(0)
  off.set('x', ['1'])
  t.equal(off.size, 0, 'a cache of size 0 remembers nothing')
})
