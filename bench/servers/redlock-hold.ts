/**
 * The usual distributed-lock approach: lock the seats with redlock, read them, write them, unlock.
 * Hold: acquire(seat locks) → MGET seats → if all free, MULTI SET seats PX + the hold hash → release.
 * Confirm: acquire(seat locks) → check the hold and that its seats are still ours → INSERT the sale into
 * PostgreSQL (unique per seat) → mark the seats sold → release.
 * Retry settings are tuned for a rush (3 retries, 50 ms apart) rather than redlock's defaults (10, 200 ms),
 * which only makes refusals faster than an out-of-the-box setup.
 */
import Redlock, { ExecutionError, ResourceLockedError } from 'redlock'
import type { Lock } from 'redlock'
import {
  DEFAULT_TTL_S,
  conflict,
  createBaseApp,
  eventParamsSchema,
  hashToken,
  holdBodySchema,
  newHoldId,
  newToken,
  seatsOf,
  serve,
  tokenOf,
} from './common.js'
import type { HoldBody, HoldParams, SeatRef } from './common.js'
import { connectBenchPg, connectBenchRedis, holdKey, insertSales, seatKey } from './redis-common.js'

const PREFIX = 'rl'
const LOCK_TTL_MS = 2000

const redis = connectBenchRedis()
const pool = connectBenchPg()
const redlock = new Redlock([redis], { retryCount: 3, retryDelay: 50, retryJitter: 50 })
redlock.on('error', () => undefined)
const app = createBaseApp()

function lockNames(eventId: string, seats: SeatRef[]): string[] {
  return seats.map((s) => `${PREFIX}:{ev:${eventId}}:lock:${s.section}:${s.seat}`)
}

/** Runs `work` under the seats' locks; undefined when the locks could not be taken. */
async function withLocks<T>(names: string[], work: () => Promise<T>): Promise<T | undefined> {
  let lock: Lock
  try {
    lock = await redlock.acquire(names, LOCK_TTL_MS)
  } catch (error) {
    if (error instanceof ExecutionError || error instanceof ResourceLockedError) return undefined
    throw error
  }
  try {
    return await work()
  } finally {
    await lock.release().catch(() => undefined)
  }
}

app.post<{ Params: { eventId: string }; Body: HoldBody }>(
  '/v1/events/:eventId/holds',
  { schema: { params: eventParamsSchema, body: holdBodySchema } },
  async (request, reply) => {
    const { eventId } = request.params
    const seats = seatsOf(request.body)
    const holdId = newHoldId()
    const token = newToken()
    const ttlMs = (request.body.ttlSeconds ?? DEFAULT_TTL_S) * 1000
    const keys = seats.map((s) => seatKey(PREFIX, eventId, s))
    const taken = await withLocks(lockNames(eventId, seats), async () => {
      const current = await redis.mget(keys)
      if (current.some((value) => value !== null)) return false
      const multi = redis.multi()
      for (const key of keys) multi.set(key, holdId, 'PX', ttlMs)
      const hold = holdKey(PREFIX, eventId, holdId)
      multi.hset(hold, 't', hashToken(token), 's', JSON.stringify(seats), 'st', 'held')
      multi.pexpire(hold, ttlMs)
      await multi.exec()
      return true
    })
    if (taken !== true) return reply.code(409).send(conflict('a seat is not available'))
    return reply.code(201).send({ id: holdId, token, eventId, status: 'held' })
  },
)

app.post<{ Params: HoldParams }>('/v1/events/:eventId/holds/:holdId/confirm', async (request, reply) => {
  const { eventId, holdId } = request.params
  const hold = holdKey(PREFIX, eventId, holdId)
  const [tokenHash, stored, status] = await redis.hmget(hold, 't', 's', 'st')
  if (stored === null || tokenHash !== hashToken(tokenOf(request.headers)) || status !== 'held') {
    return reply.code(409).send({ statusCode: 409, code: 'NOT_CONFIRMABLE' })
  }
  const seats = JSON.parse(stored as string) as SeatRef[]
  const keys = seats.map((s) => seatKey(PREFIX, eventId, s))
  const sold = await withLocks(lockNames(eventId, seats), async () => {
    const current = await redis.mget(keys)
    if (current.some((value) => value !== holdId)) return false
    await insertSales(pool, 'bench_sales', 'redlock', eventId, holdId, seats)
    const multi = redis.multi()
    for (const key of keys) multi.set(key, 'sold')
    multi.hset(hold, 'st', 'sold')
    multi.persist(hold)
    await multi.exec()
    return true
  })
  if (sold !== true) return reply.code(409).send({ statusCode: 409, code: 'NOT_CONFIRMABLE' })
  return reply.code(201).send({ id: holdId, status: 'confirmed' })
})

app.delete<{ Params: HoldParams }>('/v1/events/:eventId/holds/:holdId', async (request, reply) => {
  const { eventId, holdId } = request.params
  const hold = holdKey(PREFIX, eventId, holdId)
  const [tokenHash, stored, status] = await redis.hmget(hold, 't', 's', 'st')
  if (stored === null || tokenHash !== hashToken(tokenOf(request.headers)) || status !== 'held') {
    return reply.code(404).send({ statusCode: 404, code: 'HOLD_NOT_FOUND' })
  }
  const seats = JSON.parse(stored as string) as SeatRef[]
  const keys = seats.map((s) => seatKey(PREFIX, eventId, s))
  const released = await withLocks(lockNames(eventId, seats), async () => {
    const current = await redis.mget(keys)
    const multi = redis.multi()
    keys.forEach((key, i) => {
      if (current[i] === holdId) multi.del(key)
    })
    multi.del(hold)
    await multi.exec()
    return true
  })
  if (released !== true) return reply.code(409).send({ statusCode: 409, code: 'HOLD_BUSY' })
  return reply.code(204).send()
})

await serve(app, async () => {
  await pool.end()
  redis.disconnect()
})
