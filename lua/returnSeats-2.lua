--[[
  After the ledger cancelled a reservation: its sold seats and units become available again.

  Input:
    KEYS[1] meta   KEYS[2] counts
    ARGV[1] reservation id   ARGV[2] items JSON (as in createHold)

  Output:
    { 1 }
]]
--- @include "includes/common"

local base = baseOf(KEYS[1])
local now = nowMs()
local items = cjson.decode(ARGV[2])
for _, item in ipairs(items) do
  if item.k == 's' then
    for _, seat in ipairs(item.seats) do
      local key = seatKey(base, item.s, seat)
      if redis.call('GET', key) == SOLD then
        redis.call('DEL', key)
      end
    end
  end
  local sold = tonumber(redis.call('HGET', KEYS[2], 's:' .. item.s)) or 0
  redis.call('HSET', KEYS[2], 's:' .. item.s, math.max(0, sold - itemUnits(item)))
end
emit(base, 'reservation.cancelled', { reservationId = ARGV[1] }, items, now)
return { 1 }
