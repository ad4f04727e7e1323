/**
 * The Redis client sends the commands of one event-loop turn in a few writes (src/redis/write-batching.ts):
 * counted here as write syscalls of this process (/proc/self/io), against a private redis-server; a full
 * batch leaves before the turn ends. And batching changes nothing about failure: every command still
 * answers, times out and fails on its own.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import t from 'tap'
import { connectRedis, createRedis } from '../src/redis/client.js'
import { WRITE_BATCH_MAX } from '../src/redis/write-batching.js'
import type { RedisClient } from '../src/redis/client.js'
import { connectedRedis } from './helpers/connected-redis.js'
import { eventually } from './helpers/eventually.js'
import { RedisServer } from './helpers/redis-server.js'

/** Write syscalls this process has made so far (Linux). */
function writeSyscalls(): number {
  const match = /syscw:\s+(\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))
  return Number(match?.[1])
}

/** `n` commands issued in one turn; resolves with the answers and the write syscalls they took. */
async function burst(redis: RedisClient, n: number): Promise<{ answers: string[]; writes: number }> {
  const before = writeSyscalls()
  const answers = await Promise.all(Array.from({ length: n }, (_, i) => redis.echo(`m${i}`)))
  return { answers, writes: writeSyscalls() - before }
}

t.test('commands of one turn share a write, answers in order', async (t) => {
  const server = await RedisServer.start(t)
  const redis = createRedis({ redisUrl: server.url, redisClusterNodes: [] }, 'batching-test')
  t.teardown(() => redis.disconnect())
  await connectRedis(redis)
  const { answers, writes } = await burst(redis, 200)
  t.same(
    answers,
    Array.from({ length: 200 }, (_, i) => `m${i}`),
    'every command answered, each its own',
  )
  // One write per command without batching (200); one per WRITE_BATCH_MAX with it (25), whatever else the
  // process writes.
  t.ok(writes < 40, `200 commands took ${writes} write syscalls`)

  // Commands of later turns are not held back: each awaited alone still answers.
  for (let i = 0; i < 20; i++) t.equal(await redis.echo(`s${i}`), `s${i}`)

  // A reconnect makes a new socket, batched too.
  const id = await (redis as import('ioredis').Redis).client('ID')
  const killer = createRedis({ redisUrl: server.url, redisClusterNodes: [] }, 'batching-killer')
  t.teardown(() => killer.disconnect())
  await connectRedis(killer)
  await killer.client('KILL', 'ID', String(id))
  await eventually(
    'the client reconnected',
    async () => redis.status === 'ready' && (await redis.ping().catch(() => null)) === 'PONG',
  )
  const again = await burst(redis, 200)
  t.equal(again.answers.length, 200)
  t.ok(again.writes < 40, `after a reconnect, 200 commands took ${again.writes} write syscalls`)
})

t.test('a full batch leaves at once; a smaller one at the end of the turn', async (t) => {
  const server = await RedisServer.start(t)
  const redis = await connectedRedis(t, 'batching-early', { redisUrl: server.url, redisClusterNodes: [] })
  // Read by another process while this one's event loop is held by the synchronous call: only what has
  // left this process's socket can be counted.
  const seen = (): string =>
    execFileSync('redis-cli', ['-p', String(server.port), 'GET', 'early'], { encoding: 'utf8' }).trim()
  const answers: Promise<number>[] = []
  for (let i = 1; i < WRITE_BATCH_MAX; i++) answers.push(redis.incr('early'))
  t.equal(seen(), '', `${WRITE_BATCH_MAX - 1} commands wait in the batch while the turn goes on`)
  answers.push(redis.incr('early'))
  t.equal(seen(), String(WRITE_BATCH_MAX), `the ${WRITE_BATCH_MAX}th sent the batch before the turn ended`)
  answers.push(redis.incr('early'))
  t.same(
    await Promise.all(answers),
    Array.from({ length: WRITE_BATCH_MAX + 1 }, (_, i) => i + 1),
    'the next batch left at the end of the turn, and every command got its own answer',
  )
})

t.test('a frozen Redis: each command times out on its own clock, none waits for another', async (t) => {
  const server = await RedisServer.start(t)
  const redis = createRedis({ redisUrl: server.url, redisClusterNodes: [] }, 'batching-frozen')
  t.teardown(() => redis.disconnect())
  await connectRedis(redis)
  server.pause()
  t.teardown(() => server.resume())
  // Two commands of different turns, the second issued while the first still waits: both fail at
  // their own 1 s command timeout, so the second's wait is not the first's plus its own (~2 s).
  const started = Date.now()
  const first = redis.echo('a').then(
    () => null,
    (error: Error) => ({ error, at: Date.now() - started }),
  )
  await new Promise((resolve) => setImmediate(resolve))
  const secondStarted = Date.now()
  const second = await redis.echo('b').then(
    () => null,
    (error: Error) => ({ error, at: Date.now() - secondStarted }),
  )
  const firstOutcome = await first
  t.match(firstOutcome?.error.message, /timed out/i, 'the first command timed out')
  t.match(second?.error.message, /timed out/i, 'the second command timed out')
  t.ok((second?.at ?? Infinity) < 1900, `the second failed ${second?.at} ms after it was sent`)
})
