--[[
  Confirm, step 3 (after the ledger committed): the hold's seats become sold, its units move from held
  to sold, and the hold is kept as "confirmed" for a day so reads and repeated confirms can answer.
  Idempotent: finalising a confirmed hold does nothing.

  Input:
    KEYS[1] meta   KEYS[2] counts   KEYS[3] the hold
    ARGV[1] reservation id committed in the ledger   ARGV[2] how long to keep the confirmed hold, ms

  Output:
    { 1 } finalised now   { 0 } already confirmed   { -10 } hold unknown   { -11 } / { -12 } hold was freed first
]]
--- @include "includes/common"

local base = baseOf(KEYS[1])
local now = nowMs()
local holdId = string.match(KEYS[3], ':hold:(.+)$')
local hold = readHold(KEYS[3])
if hold.st == nil then
  return { -10 }
end
if hold.st == 'confirmed' then
  return { 0 }
end
if hold.st == 'released' then
  return { -11 }
end
if hold.st == 'expired' then
  return { -12 }
end

local items = cjson.decode(hold.i)
for _, item in ipairs(items) do
  if item.k == 's' then
    for _, seat in ipairs(item.seats) do
      redis.call('SET', seatKey(base, item.s, seat), SOLD)
    end
  end
  local units = itemUnits(item)
  redis.call('HINCRBY', KEYS[2], 'h:' .. item.s, -units)
  redis.call('HINCRBY', KEYS[2], 's:' .. item.s, units)
end
redis.call('ZREM', base .. ':expiry', holdId)
redis.call('ZREM', base .. ':confirming', holdId)
holderRemove(base .. ':holders', hold.h, holdId)
redis.call('HSET', KEYS[3], 'st', 'confirmed', 'r', ARGV[1])
redis.call('PEXPIRE', KEYS[3], tonumber(ARGV[2]))
emit(base, 'hold.confirmed', { holdId = holdId, reservationId = ARGV[1] }, items, now)
return { 1 }
