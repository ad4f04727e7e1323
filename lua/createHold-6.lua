--[[
  Takes a hold on seats and GA units: every requested seat and unit, or nothing.

  Input:
    KEYS[1] meta   KEYS[2] counts   KEYS[3] expiry   KEYS[4] the new hold   KEYS[5] holder index (:holders)
    KEYS[6] idempotency record (ignored when ARGV[9] is "0")
    KEYS[7..] one seat key per requested seat, in the order of the seats in ARGV[7]
    ARGV[1] hold id            ARGV[2] token hash      ARGV[3] holder
    ARGV[4] ttl ms             ARGV[5] lifetime max ms ARGV[6] max units per holder
    ARGV[7] items JSON [{"s":section,"k":"s","seats":[...]} | {"s":section,"k":"g","q":n}]
    ARGV[8] units in the hold  ARGV[9] "1" when an Idempotency-Key was given
    ARGV[10] request body hash ARGV[11] encrypted token for replays   ARGV[12] idempotency ttl ms

  Output:
    { 1, createdAt, expiresAt }                         hold taken
    { 2, holdId, encryptedToken, createdAt, expiresAt } replay of an earlier create with this key
    { -1, soldOut, section, seat, section, seat, ... }  seats unavailable
    { -2, section, requested, available, soldOut }      GA section short
      (soldOut: { section, version, ... } of the hold's sections with nothing available, now flagged)
    { -3, unitsHeld, limit }                            holder limit
    { -4 }                                              event state not loaded in Redis
    { -6 }                                              idempotency key reused with another body
    { -7 }                                              the hold's key exists: abandoned by a timed-out call
]]
--- @include "includes/common"

local base = baseOf(KEYS[1])
if redis.call('HGET', KEYS[1], 'ready') ~= '1' then
  return { -4 }
end

local now = nowMs()

-- A fresh random id never exists: this call timed out on the client, which abandoned it first.
if redis.call('EXISTS', KEYS[4]) == 1 then
  return { -7 }
end

if ARGV[9] == '1' then
  local prior = redis.call('HMGET', KEYS[6], 'b', 'id', 'tk', 'c', 'e')
  if prior[1] then
    if prior[1] ~= ARGV[10] then
      return { -6 }
    end
    return { 2, prior[2], prior[3], tonumber(prior[4]), tonumber(prior[5]) }
  end
end

reclaimExpired(base, now)

local units = tonumber(ARGV[8])
local limit = tonumber(ARGV[6])
local function heldByHolder()
  local sum = 0
  for _, entry in ipairs(holderHolds(KEYS[5], ARGV[3])) do
    sum = sum + entry.units
  end
  return sum
end
local held = heldByHolder()
if held + units > limit then
  -- Some of the holder's holds may be expired but not reclaimed yet.
  for _, entry in ipairs(holderHolds(KEYS[5], ARGV[3])) do
    reclaimIfExpired(base, entry.id, now)
  end
  held = heldByHolder()
  if held + units > limit then
    return { -3, held, limit }
  end
end

local items = cjson.decode(ARGV[7])

local unavailable = {}
local k = 7
for _, item in ipairs(items) do
  if item.k == 's' then
    for _, seat in ipairs(item.seats) do
      local owner = redis.call('GET', KEYS[k])
      -- A seat whose hold expired is free: reclaim that hold here rather than wait for a sweep.
      if owner and not (not isSold(owner) and reclaimIfExpired(base, owner, now)) then
        unavailable[#unavailable + 1] = item.s
        unavailable[#unavailable + 1] = seat
      end
      k = k + 1
    end
  end
end
if #unavailable > 0 then
  table.insert(unavailable, 1, markSoldOut(base, items))
  table.insert(unavailable, 1, -1)
  return unavailable
end

for _, item in ipairs(items) do
  if item.k == 'g' then
    local capacity = tonumber(redis.call('HGET', KEYS[1], 'c:' .. item.s)) or 0
    local function available()
      local c = redis.call('HMGET', KEYS[2], 'h:' .. item.s, 's:' .. item.s)
      return capacity - (tonumber(c[1]) or 0) - (tonumber(c[2]) or 0)
    end
    -- Units of expired holds beyond the first batch come back before the section is declared short.
    local batches = 0
    while available() < item.q and batches < 20 and expiredRemain(base, now) do
      reclaimExpired(base, now)
      batches = batches + 1
    end
    if available() < item.q then
      return { -2, item.s, item.q, available(), markSoldOut(base, items) }
    end
  end
end

local expiresAt = now + math.min(tonumber(ARGV[4]), tonumber(ARGV[5]))
local holdId = ARGV[1]

k = 7
for _, item in ipairs(items) do
  if item.k == 's' then
    for _ = 1, #item.seats do
      redis.call('SET', KEYS[k], holdId, 'PXAT', expiresAt + SEAT_GRACE_MS)
      k = k + 1
    end
  end
  redis.call('HINCRBY', KEYS[2], 'h:' .. item.s, itemUnits(item))
end

redis.call('HSET', KEYS[4], 'st', 'held', 't', ARGV[2], 'h', ARGV[3], 'c', now, 'e', expiresAt, unpack(itemsFields(ARGV[7])))
redis.call('ZADD', KEYS[3], expiresAt, holdId)
holderAdd(KEYS[5], ARGV[3], holdId, units)

if ARGV[9] == '1' then
  redis.call('HSET', KEYS[6], 'b', ARGV[10], 'id', holdId, 'tk', ARGV[11], 'c', now, 'e', expiresAt)
  redis.call('PEXPIRE', KEYS[6], tonumber(ARGV[12]))
end

emit(base, 'hold.created', { holdId = holdId, expiresAt = expiresAt }, items, now)
return { 1, now, expiresAt }
