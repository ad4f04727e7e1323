/**
 * Naive read-then-write, no lock: MGET the seats, and if they are free, SET them. Two requests that read
 * before either writes both win, so this one oversells under a rush: the benchmark counts by how much.
 * Confirm reads the hold and INSERTs its seats into a sales table without a unique constraint.
 */
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

const PREFIX = 'nv'

const redis = connectBenchRedis()
const pool = connectBenchPg()
const app = createBaseApp()

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
    const current = await redis.mget(keys)
    if (current.some((value) => value !== null)) {
      return reply.code(409).send(conflict('a seat is not available'))
    }
    const pipeline = redis.pipeline()
    for (const key of keys) pipeline.set(key, holdId, 'PX', ttlMs)
    const hold = holdKey(PREFIX, eventId, holdId)
    pipeline.hset(hold, 't', hashToken(token), 's', JSON.stringify(seats), 'st', 'held')
    pipeline.pexpire(hold, ttlMs)
    await pipeline.exec()
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
  await insertSales(pool, 'bench_naive_sales', 'naive', eventId, holdId, seats)
  const pipeline = redis.pipeline()
  for (const s of seats) pipeline.set(seatKey(PREFIX, eventId, s), 'sold')
  pipeline.hset(hold, 'st', 'sold')
  pipeline.persist(hold)
  await pipeline.exec()
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
  await redis.del(...seats.map((s) => seatKey(PREFIX, eventId, s)), hold)
  return reply.code(204).send()
})

await serve(app, async () => {
  await pool.end()
  redis.disconnect()
})
