import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import type { Test } from 'tap'
import { SingleRunner } from '../src/jobs/single-runner.js'
import { Locks } from '../src/lib/locks.js'
import { connectRedis, createRedis } from '../src/redis/client.js'
import type { RedisClient } from '../src/redis/client.js'
import { ADMIN_TOKEN, TEST_REDIS_URL, request, testConfig } from './helpers/app.js'
import { eventually } from './helpers/eventually.js'
import { postgresTarget } from './helpers/ledgers.js'
import { parsePrometheus } from './helpers/metrics.js'
import { startServerProcess } from './helpers/server-process.js'
import type { ServerProcess } from './helpers/server-process.js'

async function openRedis(t: Test): Promise<RedisClient> {
  const redis = createRedis(testConfig(), 'seatlock-jobs-test')
  redis.on('error', () => undefined)
  await connectRedis(redis)
  t.teardown(() => redis.disconnect())
  return redis
}

/** A SingleRunner that records its ticks and leadership, and checks it never leads alongside another. */
class Recorded {
  ticks = 0
  leading = false
  lostAt = 0
  ticksWhenLost = 0
  readonly runner: SingleRunner

  constructor(locks: Locks, name: string, shared: { leaders: Set<string>; overlaps: number }, label: string) {
    this.runner = new SingleRunner(locks, {
      name,
      intervalMs: 20,
      standbyMs: 100,
      onError: () => undefined,
      onLeadership: (leading) => {
        this.leading = leading
        if (leading) {
          if (shared.leaders.size > 0) shared.overlaps++
          shared.leaders.add(label)
        } else {
          shared.leaders.delete(label)
          this.lostAt = Date.now()
          this.ticksWhenLost = this.ticks
        }
      },
      tick: async () => {
        this.ticks++
      },
    })
  }
}

t.test('single runner: one leader at a time, extended past its TTL, handed over on stop', async (t) => {
  const redis = await openRedis(t)
  const prefix = `t${randomBytes(4).toString('hex')}`
  const ttlMs = 1500
  const shared = { leaders: new Set<string>(), overlaps: 0 }
  const a = new Recorded(new Locks(redis, prefix, ttlMs), 'sweeper', shared, 'a')
  const b = new Recorded(new Locks(redis, prefix, ttlMs), 'sweeper', shared, 'b')
  t.teardown(() => Promise.all([a.runner.stop(), b.runner.stop()]))
  a.runner.start()
  await eventually('a leads', () => a.leading, { deadlineMs: 2000 })
  b.runner.start()
  // Three TTLs: without working extension the lock would lapse and b would take it.
  await sleep(ttlMs * 3)
  t.ok(a.leading, 'a still leads after 3 lock TTLs (the lock was extended)')
  t.equal(b.ticks, 0, 'b never ticked')
  t.ok(a.ticks > 50, `a ticked (${a.ticks})`)
  const pttl = await redis.pttl(`${prefix}:lock:job:sweeper`)
  t.ok(pttl > 0 && pttl <= ttlMs, `the lock key has a TTL (${pttl} ms)`)

  const stoppedAt = Date.now()
  await a.runner.stop()
  t.notOk(a.leading, 'a stepped down on stop')
  await eventually('b took over', () => b.leading, { deadlineMs: 2000 })
  const handover = Date.now() - stoppedAt
  t.ok(handover < 1000, `handover after a clean stop took ${handover} ms (standby 100 ms, lock released)`)
  t.equal(shared.overlaps, 0, 'never two leaders at once')
})

t.test('single runner: losing the lock aborts the job about when the lock expires', async (t) => {
  const redis = await openRedis(t)
  const prefix = `t${randomBytes(4).toString('hex')}`
  const ttlMs = 1500
  const key = `${prefix}:lock:job:reconciler`
  const shared = { leaders: new Set<string>(), overlaps: 0 }
  const a = new Recorded(new Locks(redis, prefix, ttlMs), 'reconciler', shared, 'a')
  t.teardown(() => a.runner.stop())
  a.runner.start()
  await eventually('a leads', () => a.leading, { deadlineMs: 2000 })

  // Another owner takes the key (as after a long pause past the TTL): a's next extension must fail.
  const stolenAt = Date.now()
  await redis.set(key, 'someone-else', 'PX', 3000)
  await eventually('a stepped down', () => !a.leading, { deadlineMs: ttlMs + 1000 })
  const stepDown = a.lostAt - stolenAt
  t.ok(stepDown <= ttlMs + 500, `a stopped ${stepDown} ms after losing the lock (TTL ${ttlMs} ms)`)
  await sleep(300)
  t.equal(a.ticks, a.ticksWhenLost, 'no tick after stepping down')
  t.equal(await redis.get(key), 'someone-else', "a did not release or overwrite the other owner's lock")

  // Once the other owner's lock lapses, a takes the job again by itself.
  await eventually('a leads again after the foreign lock expired', () => a.leading, { deadlineMs: 5000 })
  await eventually('and ticks again', () => a.ticks > a.ticksWhenLost, { deadlineMs: 1000 })
})

t.test(
  'two API processes: each job on one at a time, handed over within the lock TTL on SIGKILL',
  async (t) => {
    const pg = await postgresTarget()
    const env = {
      KEY_PREFIX: `t${randomBytes(4).toString('hex')}`,
      LEDGER_URL: pg.url as string,
      REDIS_URL: TEST_REDIS_URL,
      ADMIN_TOKEN,
      LOG_LEVEL: 'info',
    }
    const [one, two] = await Promise.all([startServerProcess(t, env), startServerProcess(t, env)])
    const servers = [one, two]

    const leaders = async (server: ServerProcess) => {
      const res = await request(server.url, 'GET', '/metrics')
      const m = parsePrometheus(res.body as string)
      return {
        sweeper: m.get('seatlock_job_leader', { job: 'sweeper' }),
        reconciler: m.get('seatlock_job_leader', { job: 'reconciler' }),
      }
    }
    const snapshot = () => Promise.all(servers.map(leaders))

    // Both jobs get a leader, exactly one each, and it stays that way.
    await eventually(
      'each job to have a leader',
      async () => {
        const [x, y] = await snapshot()
        return (
          x?.sweeper !== undefined &&
          (x.sweeper ?? 0) + (y?.sweeper ?? 0) === 1 &&
          (x.reconciler ?? 0) + (y?.reconciler ?? 0) === 1
        )
      },
      { deadlineMs: 10_000, intervalMs: 100 },
    )
    let violations = 0
    for (let i = 0; i < 20; i++) {
      const [x, y] = await snapshot()
      if ((x?.sweeper ?? 0) + (y?.sweeper ?? 0) !== 1) violations++
      if ((x?.reconciler ?? 0) + (y?.reconciler ?? 0) !== 1) violations++
      await sleep(100)
    }
    t.equal(violations, 0, 'exactly one sweeper and one reconciler over 2 s of samples')

    const [x] = await snapshot()
    const leader = x?.sweeper === 1 ? one : two
    const survivor = leader === one ? two : one
    const killedAt = Date.now()
    leader.child.kill('SIGKILL')
    await leader.exited
    await eventually(
      'the survivor to lead both jobs',
      async () => {
        const s = await leaders(survivor)
        return s.sweeper === 1 && s.reconciler === 1
      },
      { deadlineMs: 5000 + 1000 + 1500, intervalMs: 50 },
    )
    const handover = Date.now() - killedAt
    t.ok(handover <= 5000 + 1000 + 1500, `handover ${handover} ms after SIGKILL (lock TTL 5 s + standby 1 s)`)
    t.comment(`sweeper handover after SIGKILL: ${handover} ms`)
  },
)
