/**
 * The reference: bare Fastify + ioredis, one EVALSHA per hold (check every seat, then set them all).
 * It skips everything seatlock does beyond that (event lookup, holder limits, expiry index, counts,
 * events), so its req/s is the ceiling for "one script call per hold" on this machine.
 * Confirm: one EVALSHA (check the token, mark the seats sold) and one INSERT into a sales table.
 */
import { Redis } from 'ioredis'
import type { Result } from 'ioredis'
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

declare module 'ioredis' {
  interface RedisCommander<Context> {
    refHold(numKeys: number, ...keysAndArgs: (string | number)[]): Result<number, Context>
    refConfirm(numKeys: number, ...keysAndArgs: (string | number)[]): Result<(number | string)[], Context>
    refRelease(numKeys: number, ...keysAndArgs: (string | number)[]): Result<number, Context>
  }
}

const PREFIX = 'ref'

const HOLD_LUA = `
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then return 0 end
end
for i = 2, #KEYS do
  redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[3])
end
redis.call('HSET', KEYS[1], 't', ARGV[2], 's', ARGV[4], 'st', 'held')
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`

// KEYS[1] the hold. ARGV[1] token hash, ARGV[2] hold id, ARGV[3] the event's key base. Seat keys are
// built from the stored seats (one node, so keys not in KEYS are fine for this baseline).
const CONFIRM_LUA = `
local h = redis.call('HMGET', KEYS[1], 't', 's', 'st')
if not h[1] then return { -1 } end
if h[1] ~= ARGV[1] then return { -2 } end
if h[3] ~= 'held' then return { -3 } end
local seats = cjson.decode(h[2])
for _, s in ipairs(seats) do
  if redis.call('GET', ARGV[3] .. ':seat:' .. s.section .. ':' .. s.seat) ~= ARGV[2] then return { -4 } end
end
for _, s in ipairs(seats) do redis.call('SET', ARGV[3] .. ':seat:' .. s.section .. ':' .. s.seat, 'sold') end
redis.call('HSET', KEYS[1], 'st', 'sold')
redis.call('PERSIST', KEYS[1])
return { 1, h[2] }`

// KEYS[1] the hold. ARGV[1] token hash, ARGV[2] hold id, ARGV[3] the event's key base.
const RELEASE_LUA = `
local h = redis.call('HMGET', KEYS[1], 't', 's', 'st')
if not h[1] or h[1] ~= ARGV[1] or h[3] ~= 'held' then return 0 end
for _, s in ipairs(cjson.decode(h[2])) do
  local key = ARGV[3] .. ':seat:' .. s.section .. ':' .. s.seat
  if redis.call('GET', key) == ARGV[2] then redis.call('DEL', key) end
end
redis.call('DEL', KEYS[1])
return 1`

const redis: Redis = connectBenchRedis()
redis.defineCommand('refHold', { lua: HOLD_LUA })
redis.defineCommand('refConfirm', { lua: CONFIRM_LUA })
redis.defineCommand('refRelease', { lua: RELEASE_LUA })
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
    const keys = [holdKey(PREFIX, eventId, holdId), ...seats.map((s) => seatKey(PREFIX, eventId, s))]
    const ok = await redis.refHold(
      keys.length,
      ...keys,
      holdId,
      hashToken(token),
      ttlMs,
      JSON.stringify(seats),
    )
    if (ok !== 1) return reply.code(409).send(conflict('a seat is not available'))
    return reply.code(201).send({ id: holdId, token, eventId, status: 'held' })
  },
)

app.post<{ Params: HoldParams }>('/v1/events/:eventId/holds/:holdId/confirm', async (request, reply) => {
  const { eventId, holdId } = request.params
  const hold = holdKey(PREFIX, eventId, holdId)
  const token = hashToken(tokenOf(request.headers))
  const result = await redis.refConfirm(1, hold, token, holdId, `${PREFIX}:{ev:${eventId}}`)
  if (result[0] !== 1) return reply.code(409).send({ statusCode: 409, code: 'NOT_CONFIRMABLE', result })
  const seats = JSON.parse(String(result[1])) as SeatRef[]
  await insertSales(pool, 'bench_sales', 'reference', eventId, holdId, seats)
  return reply.code(201).send({ id: holdId, status: 'confirmed' })
})

app.delete<{ Params: HoldParams }>('/v1/events/:eventId/holds/:holdId', async (request, reply) => {
  const { eventId, holdId } = request.params
  const token = hashToken(tokenOf(request.headers))
  const done = await redis.refRelease(
    1,
    holdKey(PREFIX, eventId, holdId),
    token,
    holdId,
    `${PREFIX}:{ev:${eventId}}`,
  )
  if (done !== 1) return reply.code(404).send({ statusCode: 404, code: 'HOLD_NOT_FOUND' })
  return reply.code(204).send()
})

await serve(app, async () => {
  await pool.end()
  redis.disconnect()
})
