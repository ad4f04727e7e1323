--[[
  After the ledger cancelled a reservation: its sold seats and units become available again. Runs at
  most once per reservation (a marker remembers it), so a retried cancel can safely run it again.

  Input:
    KEYS[1] meta   KEYS[2] counts   KEYS[3] the reservation's "returned" marker
    ARGV[1] reservation id   ARGV[2] items JSON (as in createHold)   ARGV[3] marker ttl ms

  Output:
    { 1 } returned now   { 0 } already returned
]]
--- @include "includes/common"

if redis.call('SET', KEYS[3], '1', 'NX', 'PX', tonumber(ARGV[3])) == false then
  return { 0 }
end
local base = baseOf(KEYS[1])
local now = nowMs()
local items = cjson.decode(ARGV[2])
for _, item in ipairs(items) do
  -- Seated: give back exactly the seats Redis had as sold; GA: the item's units.
  local units = 0
  if item.k == 's' then
    for _, seat in ipairs(item.seats) do
      local key = seatKey(base, item.s, seat)
      if redis.call('GET', key) == SOLD then
        redis.call('DEL', key)
        units = units + 1
      end
    end
  else
    units = item.q
  end
  local sold = tonumber(redis.call('HGET', KEYS[2], 's:' .. item.s)) or 0
  redis.call('HSET', KEYS[2], 's:' .. item.s, math.max(0, sold - units))
  unitsBack(base, item.s)
end
emit(base, 'reservation.cancelled', { reservationId = ARGV[1] }, items, now)
return { 1 }
