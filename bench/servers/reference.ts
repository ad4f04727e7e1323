/**
 * The reference: bare Fastify + ioredis, one EVALSHA per hold (check every seat, then set them all).
 * It skips everything seatlock does beyond that (event lookup, holder limits, expiry index, counts,
 * events), so its req/s is the ceiling for "one script call per hold" on this machine.
 * Confirm: one EVALSHA (check the token, mark the seats sold) and one INSERT into a sales table.
 * General admission (items `{ section, quantity }`): the hold is one EVALSHA that checks and raises each
 * section's counter against the capacity the bench stored when it prepared the event; the confirm is one
 * EVALSHA (check the token, mark the hold sold; its units stay counted) and one INSERT into bench_ga_sales.
 */
import { Redis } from 'ioredis'
import type { Result } from 'ioredis'
import type { FastifyReply } from 'fastify'
import {
  DEFAULT_TTL_S,
  conflict,
  createBaseApp,
  eventParamsSchema,
  hashToken,
  isGaItem,
  newHoldId,
  newToken,
  refHoldBodySchema,
  seatsOf,
  serve,
  tokenOf,
} from './common.js'
import type { GaItem, HoldBody, HoldParams, RefHoldBody, SeatRef } from './common.js'
import {
  REFERENCE_PREFIX,
  connectBenchPg,
  connectBenchRedis,
  gaKey,
  holdKey,
  insertGaSales,
  insertSales,
  seatKey,
} from './redis-common.js'

declare module 'ioredis' {
  interface RedisCommander<Context> {
    refHold(numKeys: number, ...keysAndArgs: (string | number)[]): Result<number, Context>
    refConfirm(numKeys: number, ...keysAndArgs: (string | number)[]): Result<(number | string)[], Context>
    refRelease(numKeys: number, ...keysAndArgs: (string | number)[]): Result<number, Context>
    refHoldGa(numKeys: number, ...keysAndArgs: (string | number)[]): Result<number, Context>
    refConfirmGa(numKeys: number, ...keysAndArgs: (string | number)[]): Result<(number | string)[], Context>
    refReleaseGa(numKeys: number, ...keysAndArgs: (string | number)[]): Result<number, Context>
  }
}

const PREFIX = REFERENCE_PREFIX

// General-admission holds get ids no seated hold has ('.' is not in base64url), so confirm and release
// pick their script without a lookup and the seated path stays exactly what the other scenarios measure.
const GA_HOLD = 'ga.'

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

// KEYS[1] the hold, KEYS[2..] each section's counter (gaKey: `cap` set when the event was prepared,
// `used` the units held or sold). ARGV[1] token hash, ARGV[2] TTL ms, ARGV[3] the items (JSON),
// ARGV[i + 2] the quantity for KEYS[i]. No sweeper gives the units of an expired hold back: the bench
// holds for 10 minutes and never lets one expire, and a sweeper would not run on the hold path anyway.
const HOLD_GA_LUA = `
for i = 2, #KEYS do
  local c = redis.call('HMGET', KEYS[i], 'cap', 'used')
  if not c[1] or tonumber(c[2] or '0') + tonumber(ARGV[i + 2]) > tonumber(c[1]) then return 0 end
end
for i = 2, #KEYS do redis.call('HINCRBY', KEYS[i], 'used', ARGV[i + 2]) end
redis.call('HSET', KEYS[1], 't', ARGV[1], 's', ARGV[3], 'st', 'held')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`

// KEYS[1] the hold. ARGV[1] token hash. The units were counted when held and stay counted, now sold.
const CONFIRM_GA_LUA = `
local h = redis.call('HMGET', KEYS[1], 't', 's', 'st')
if not h[1] then return { -1 } end
if h[1] ~= ARGV[1] then return { -2 } end
if h[3] ~= 'held' then return { -3 } end
redis.call('HSET', KEYS[1], 'st', 'sold')
redis.call('PERSIST', KEYS[1])
return { 1, h[2] }`

// KEYS[1] the hold. ARGV[1] token hash, ARGV[2] the event's key base.
const RELEASE_GA_LUA = `
local h = redis.call('HMGET', KEYS[1], 't', 's', 'st')
if not h[1] or h[1] ~= ARGV[1] or h[3] ~= 'held' then return 0 end
for _, item in ipairs(cjson.decode(h[2])) do
  redis.call('HINCRBY', ARGV[2] .. ':ga:' .. item.section, 'used', -item.quantity)
end
redis.call('DEL', KEYS[1])
return 1`

const redis: Redis = connectBenchRedis()
redis.defineCommand('refHold', { lua: HOLD_LUA })
redis.defineCommand('refConfirm', { lua: CONFIRM_LUA })
redis.defineCommand('refRelease', { lua: RELEASE_LUA })
redis.defineCommand('refHoldGa', { lua: HOLD_GA_LUA })
redis.defineCommand('refConfirmGa', { lua: CONFIRM_GA_LUA })
redis.defineCommand('refReleaseGa', { lua: RELEASE_GA_LUA })
const pool = connectBenchPg()
const app = createBaseApp()

/** A hold of general-admission units: one EVALSHA over the hold and each section's counter. */
async function holdGa(eventId: string, body: RefHoldBody, reply: FastifyReply) {
  const { items } = body
  if (!items.every(isGaItem)) {
    return reply.code(400).send({ statusCode: 400, code: 'INVALID_REQUEST', message: 'mixed holds' })
  }
  // Summed per section, so the script checks each counter once however the items repeat a section.
  const units = new Map<string, number>()
  for (const item of items) units.set(item.section, (units.get(item.section) ?? 0) + item.quantity)
  const merged: GaItem[] = [...units].map(([section, quantity]) => ({ section, quantity }))
  const holdId = `${GA_HOLD}${newHoldId()}`
  const token = newToken()
  const ttlMs = (body.ttlSeconds ?? DEFAULT_TTL_S) * 1000
  const keys = [holdKey(PREFIX, eventId, holdId), ...merged.map((i) => gaKey(PREFIX, eventId, i.section))]
  const ok = await redis.refHoldGa(
    keys.length,
    ...keys,
    hashToken(token),
    ttlMs,
    JSON.stringify(merged),
    ...merged.map((i) => i.quantity),
  )
  if (ok !== 1) return reply.code(409).send(conflict('not enough units are available'))
  return reply.code(201).send({ id: holdId, token, eventId, status: 'held' })
}

app.post<{ Params: { eventId: string }; Body: RefHoldBody }>(
  '/v1/events/:eventId/holds',
  { schema: { params: eventParamsSchema, body: refHoldBodySchema } },
  async (request, reply) => {
    const { eventId } = request.params
    if (request.body.items.some(isGaItem)) return holdGa(eventId, request.body, reply)
    // No general-admission item: a seated body, held as before.
    const seats = seatsOf(request.body as HoldBody)
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
  if (holdId.startsWith(GA_HOLD)) {
    const sold = await redis.refConfirmGa(1, hold, token)
    if (sold[0] !== 1) return reply.code(409).send({ statusCode: 409, code: 'NOT_CONFIRMABLE', result: sold })
    await insertGaSales(pool, 'reference', eventId, holdId, JSON.parse(String(sold[1])) as GaItem[])
    return reply.code(201).send({ id: holdId, status: 'confirmed' })
  }
  const result = await redis.refConfirm(1, hold, token, holdId, `${PREFIX}:{ev:${eventId}}`)
  if (result[0] !== 1) return reply.code(409).send({ statusCode: 409, code: 'NOT_CONFIRMABLE', result })
  const seats = JSON.parse(String(result[1])) as SeatRef[]
  await insertSales(pool, 'bench_sales', 'reference', eventId, holdId, seats)
  return reply.code(201).send({ id: holdId, status: 'confirmed' })
})

app.delete<{ Params: HoldParams }>('/v1/events/:eventId/holds/:holdId', async (request, reply) => {
  const { eventId, holdId } = request.params
  const token = hashToken(tokenOf(request.headers))
  const hold = holdKey(PREFIX, eventId, holdId)
  const base = `${PREFIX}:{ev:${eventId}}`
  const done = holdId.startsWith(GA_HOLD)
    ? await redis.refReleaseGa(1, hold, token, base)
    : await redis.refRelease(1, hold, token, holdId, base)
  if (done !== 1) return reply.code(404).send({ statusCode: 404, code: 'HOLD_NOT_FOUND' })
  return reply.code(204).send()
})

await serve(app, async () => {
  await pool.end()
  redis.disconnect()
})
