/**
 * Redis command timeouts fail fast when Redis does not answer, and never because this process was busy:
 * a command answered while the event loop was blocked past its timeout, or issued early in a long turn
 * (it leaves only when the turn ends), is not reported as timed out.
 */
import v8 from 'node:v8'
import { runInNewContext } from 'node:vm'
import { Command, Redis } from 'ioredis'
import t from 'tap'
import type { Test } from 'tap'
import { COMMAND_TIMEOUT_MS } from '../../src/redis/client.js'
import { COMMAND_TIMED_OUT } from '../../src/redis/command-timeouts.js'
import { TEST_REDIS_URL, testConfig } from '../helpers/app.js'
import { blockLoop, nextTurn } from '../helpers/busy-loop.js'
import { connectedRedis } from '../helpers/connected-redis.js'
import { RedisServer } from '../helpers/redis-server.js'

function client(t: Test, redisUrl?: string) {
  return connectedRedis(t, 'command-timeouts-test', redisUrl ? testConfig({ redisUrl }) : testConfig())
}

t.test('an answer read after the loop was blocked past the timeout is an answer', async (t) => {
  const redis = await client(t)
  const answer = redis.ping()
  blockLoop(COMMAND_TIMEOUT_MS + 500)
  t.equal(await answer, 'PONG')
})

t.test('commands issued across a turn longer than the timeout are timed from when they leave', async (t) => {
  const redis = await client(t)
  const answers: Promise<unknown>[] = []
  // One turn of 1.5 s that issues a command every 100 ms: the first ones are 1.4 s old when they leave.
  for (let i = 0; i < 15; i++) {
    answers.push(redis.incr(`command-timeouts:${process.pid}`))
    blockLoop(100)
  }
  const settled = await Promise.allSettled(answers)
  t.same(
    settled.map((s) => s.status),
    Array(15).fill('fulfilled'),
    'every command answered',
  )
  await redis.del(`command-timeouts:${process.pid}`)
})

t.test('a turn answered in full lets its commands go at once (no second of retained replies)', async (t) => {
  v8.setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  /** Commands of one turn still reachable once all are answered and memory is collected. */
  const retained = async (redis: Redis): Promise<number> => {
    const refs: WeakRef<Command>[] = []
    const answers: Promise<unknown>[] = []
    for (let i = 0; i < 10; i++) {
      const command = new Command('ping', [String(i)])
      refs.push(new WeakRef(command))
      answers.push(command.promise)
      void redis.sendCommand(command)
    }
    await Promise.all(answers)
    await nextTurn()
    gc()
    return refs.filter((r) => r.deref() !== undefined).length
  }
  // ioredis itself keeps the last command of a connection for a while: the baseline is a plain client.
  const plain = new Redis(TEST_REDIS_URL)
  t.teardown(() => plain.disconnect())
  await plain.ping()
  const baseline = await retained(plain)
  const ours = await retained((await client(t)) as Redis)
  t.ok(ours <= baseline, `retained ${ours}, a plain ioredis client ${baseline}`)
})

t.test('a turn answered with errors, or refused at once, leaves no timer running', async (t) => {
  // A long timeout, as a test that wants exactness sets: a timer left armed would keep the process up.
  const redis = await connectedRedis(t, 'command-timeouts-test', testConfig(), 30_000)
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
  const before = timers()
  const replies = await Promise.allSettled([redis.call('NO-SUCH-COMMAND'), redis.ping()])
  t.same(
    replies.map((r) => r.status),
    ['rejected', 'fulfilled'],
    'an error reply and a reply',
  )
  t.equal(timers(), before, 'the turn was answered in full: its timer is gone')

  redis.disconnect()
  await nextTurn()
  const closed = timers() // ioredis's own, for closing the socket
  await t.rejects(redis.ping(), /writeable|closed/i, 'refused at once without a connection')
  await nextTurn()
  t.equal(timers(), closed, 'and that turn armed none either')
})

t.test('a refused command whose promise nobody awaits ends as no unhandled rejection', async (t) => {
  // Watching each command's promise (to know when its turn is answered) handles its rejection too: a
  // command sent and left alone, then refused, must not take the process down.
  const redis = await connectedRedis(t, 'command-timeouts-test', testConfig(), 30_000)
  const unhandled: unknown[] = []
  const listener = (reason: unknown) => unhandled.push(reason)
  // tap's own handler fails the test on any unhandled rejection; this one records what would have been one.
  const others = process.listeners('unhandledRejection')
  process.removeAllListeners('unhandledRejection')
  process.on('unhandledRejection', listener)
  t.teardown(() => {
    process.removeListener('unhandledRejection', listener)
    for (const other of others) process.on('unhandledRejection', other)
  })
  redis.disconnect()
  await nextTurn()
  const ignored = new Command('ping', [])
  void redis.sendCommand(ignored)
  const awaited = redis.ping()
  await t.rejects(awaited, /writeable|closed/i, 'a caller that awaits its command still gets the error')
  // Unhandled rejections are reported once the microtasks run out: two turns later, before anything here
  // looks at the ignored command's promise.
  await nextTurn()
  await nextTurn()
  t.same(unhandled, [], 'the ignored refusal was no unhandled rejection')
  await t.rejects(ignored.promise, /writeable|closed/i, 'it was refused all the same')
})

t.test('a frozen Redis is refused within about the timeout', async (t) => {
  const server = await RedisServer.start(t)
  const redis = await client(t, server.url)
  server.pause()
  t.teardown(() => server.resume())
  const start = performance.now()
  const results = await Promise.allSettled([redis.ping(), redis.get('k'), redis.set('k', 'v')])
  const elapsed = performance.now() - start
  t.same(
    results.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'answered')),
    [COMMAND_TIMED_OUT, COMMAND_TIMED_OUT, COMMAND_TIMED_OUT],
    'every command refused as timed out',
  )
  t.ok(
    elapsed >= COMMAND_TIMEOUT_MS - 5 && elapsed < COMMAND_TIMEOUT_MS + 1000,
    `refused after ${Math.round(elapsed)} ms`,
  )
  server.resume()
  t.equal(await redis.ping(), 'PONG', 'answers again once Redis does')
})
