/**
 * Redis over maxmemory (noeviction): every writing script opens with `#!lua`, so Redis refuses it before
 * it runs, never half-way. A create (whose first step reclaims an expired hold) is answered 503
 * REDIS_UNAVAILABLE and leaves every key as it was; without the shebang Redis ran it until its first
 * write that needs memory, after the expired hold's seat key was already deleted. Scripts that only free
 * memory carry `allow-oom`: a release still works and leaves the counts whole.
 */
import t from 'tap'
import { Redis } from 'ioredis'
import { assertCountsConsistent, createEvent, eachLedger, seats, startApp } from './helpers/app.js'
import { eventually } from './helpers/eventually.js'
import { checkLedgerInvariants } from './helpers/invariants.js'
import { RedisServer } from './helpers/redis-server.js'

/** Every key of the event with its value (strings, hashes, sorted sets), TTLs aside. */
async function snapshot(redis: Redis, base: string): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const key of await redis.keys(`${base}:*`)) {
    const type = await redis.type(key)
    if (type === 'string') out.set(key, String(await redis.get(key)))
    else if (type === 'hash') out.set(key, JSON.stringify(Object.entries(await redis.hgetall(key)).sort()))
    else if (type === 'zset') out.set(key, JSON.stringify(await redis.zrange(key, 0, -1, 'WITHSCORES')))
    else out.set(key, type)
  }
  return out
}

void eachLedger(t, 'scripts over maxmemory', async (t, ledger) => {
  const server = await RedisServer.start(t, ['--maxmemory-policy', 'noeviction'])
  const api = await startApp(t, ledger, { redisUrl: server.url }, undefined, { jobs: false })
  const admin = new Redis(server.url)
  t.teardown(() => admin.disconnect())
  const eventId = await createEvent(api, { seated: { s: seats('S', 4) } })
  const base = api.services.store.keys(eventId).base
  const take = (holder: string, seat: string, ttlSeconds: number) =>
    api.request('POST', `/v1/events/${eventId}/holds`, {
      body: { holder, ttlSeconds, items: [{ section: 's', seats: [seat] }] },
    })

  const x = await take('x', 'S1', 1)
  const y = await take('y', 'S2', 300)
  t.equal(x.status, 201, 'x held (1 s)')
  t.equal(y.status, 201, 'y held')
  // x expires; nothing sweeps (jobs off), so the next script's first step is to reclaim it.
  await eventually(
    'x past its expiry (Redis time)',
    async () => (await api.services.store.now()) > Number(new Date(x.body.expiresAt)) + 20,
    { deadlineMs: 3000 },
  )

  const before = await snapshot(admin, base)
  const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1])
  await admin.config('SET', 'maxmemory', String(Math.floor(used / 2)))
  t.teardown(() => admin.config('SET', 'maxmemory', '0').catch(() => undefined))

  const refused = await take('z', 'S3', 300)
  t.equal(refused.status, 503, 'the create is refused')
  t.equal(refused.body.code, 'REDIS_UNAVAILABLE', 'as Redis unavailable')
  const after = await snapshot(admin, base)
  for (const [key, value] of before) t.equal(after.get(key), value, `${key.slice(base.length)} unchanged`)
  for (const [key, value] of after) {
    if (before.has(key)) continue
    // The only new key allowed: the tombstone the timed-out create's undo (abandonHold, allow-oom) leaves.
    t.match(key, /:hold:/, `new key ${key.slice(base.length)} is a hold tombstone`)
    t.notMatch(value, /"i"/, 'with no items')
  }
  t.ok(after.has(`${base}:s:s:S1`), "the expired hold's seat key is still there: no half-done reclaim")

  // A release (allow-oom) frees y, and reclaims x on the way, in full.
  const released = await api.request('DELETE', `/v1/events/${eventId}/holds/${y.body.id}`, {
    token: y.body.token,
  })
  t.equal(released.status, 204, 'a release works over maxmemory')
  t.equal(await admin.exists(`${base}:s:s:S2`, `${base}:s:s:S1`), 0, 'both seats free')
  t.equal(await admin.hget(`${base}:counts`, 'h:s'), '0', 'nothing counted held')

  await admin.config('SET', 'maxmemory', '0')
  await assertCountsConsistent(t, api, eventId)
  const again = await take('z', 'S3', 300)
  t.equal(again.status, 201, 'creates work again once memory is back')
  await checkLedgerInvariants(t, api, eventId, {
    confirmed: [],
    holds: [x.body.id, y.body.id, again.body.id],
  })
})
