/**
 * Expiry within 1 s while the instance leading the sweeper is frozen. Two API processes share a private
 * Redis on which CONFIG is disabled (as on managed Redis), so no keyspace notifications help: only
 * sweeps bring holds back. The sweeper's leader is SIGSTOPped, still holding its lock; holds taken on
 * the other process expire, and Redis itself is polled (no request touches the event) until their units
 * are back.
 */
import t from 'tap'
import { Redis } from 'ioredis'
import { layoutPrefix } from '../src/redis/keys.js'
import { ADMIN_TOKEN, request, uniqueId } from './helpers/app.js'
import { eventually } from './helpers/eventually.js'
import { postgresTarget } from './helpers/ledgers.js'
import { RedisServer } from './helpers/redis-server.js'
import { jobLeader } from './helpers/job-leader.js'
import { startServerProcess } from './helpers/server-process.js'

t.test('holds come back within 1 s of expiry while the sweeper leader is frozen', async (t) => {
  const redisServer = await RedisServer.start(t, ['--rename-command', 'CONFIG', ''])
  const redis = new Redis(redisServer.url)
  t.teardown(() => redis.disconnect())
  const pg = await postgresTarget()
  const keyPrefix = uniqueId('stall')
  const env = {
    REDIS_URL: redisServer.url,
    LEDGER_URL: pg.url as string,
    ADMIN_TOKEN,
    KEY_PREFIX: keyPrefix,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
  }
  const [one, two] = await Promise.all([startServerProcess(t, env), startServerProcess(t, env)])
  if (!one || !two) throw new Error('servers did not start')
  const leader = await jobLeader([one, two], 'sweeper')
  t.ok(leader, 'one process leads the sweeper')
  const survivor = leader === one ? two : one

  const eventId = uniqueId('ev')
  const created = await request(survivor.url, 'POST', '/v1/events', {
    admin: true,
    body: { id: eventId, name: 'Stall', sections: [{ id: 'g', name: 'G', price: 100, capacity: 50 }] },
  })
  t.equal(created.status, 201)
  leader?.child.kill('SIGSTOP')
  t.teardown(() => void leader?.child.kill('SIGCONT'))
  const holds = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      request(survivor.url, 'POST', `/v1/events/${eventId}/holds`, {
        body: { holder: `h${i}`, ttlSeconds: 1, items: [{ section: 'g', quantity: 2 }] },
      }),
    ),
  )
  t.ok(
    holds.every((h) => h.status === 201),
    '10 holds of 1 s taken on the other process',
  )
  const lastExpiry = Math.max(...holds.map((h) => Date.parse(h.body.expiresAt as string)))
  const counts = `${layoutPrefix(keyPrefix)}:{ev:${eventId}}:counts`
  await eventually('every unit is back', async () => (await redis.hget(counts, 'h:g')) === '0', {
    deadlineMs: 5000,
  })
  const lag = Date.now() - lastExpiry
  t.ok(lag <= 1000, `the last hold came back ${lag} ms after its expiry (guarantee: 1 s)`)
  leader?.child.kill('SIGCONT')
})
