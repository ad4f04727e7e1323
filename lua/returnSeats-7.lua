#!lua
--[[
  After the ledger cancelled a reservation (this request's transaction made the cancel): its sold seats
  and units become available again. Idempotent by the ledger's facts, not by a marker:
  - a seat is freed only while Redis still says it is sold to this reservation ("$<reservationId>"), so a
    repeat never frees a seat a later buyer holds or bought;
  - GA units (no per-unit key) come back only if this cancel's in-flight entry in :cancelling is still
    there (markCancelling put it there before the ledger step). Whoever removes the entry first returns
    the units: this script, or the drift reconciler (healSold) once the entry's deadline passed, which
    then sets the count from the ledger. So the units come back exactly once.

  Input:
    KEYS[1] meta   KEYS[2] counts   KEYS[3] expiry   KEYS[4] confirming   KEYS[5] units per holder (:hunits)
    KEYS[6] watched   (the event's shared keys, see lua/README.md)
    KEYS[7] cancelling index   KEYS[8..] the seat keys of the items' seats, in their order in ARGV[2], then
    the seating keys (:ob:, :oi:, :or:) of each section given as rows that the items name
    ARGV[1] reservation id   ARGV[2] items JSON (as in createHold, seats with their places "p")

  Output:
    { seats freed, GA units returned }
]]
--- @include "includes/basics"
--- @include "includes/seat-values"
--- @include "includes/sale-version"
--- @include "includes/seating-index"
--- @include "includes/changes"

local base = baseOf(KEYS[1])
local now = nowMs()
local rid = ARGV[1]
local claimed = redis.call('ZREM', KEYS[7], rid) == 1
local items = cjson.decode(ARGV[2])
local owner = soldTo(rid)
local freedSeats = 0
local returnedUnits = 0
for _, item in ipairs(items) do
  local units = 0
  if item.k == 's' then
    for _, seat in ipairs(item.seats) do
      local key = seatKey(base, item.s, seat)
      if redis.call('GET', key) == owner then
        redis.call('DEL', key)
        units = units + 1
      end
    end
    syncPlaces(base, item)
    freedSeats = freedSeats + units
  elseif claimed then
    units = item.q
    returnedUnits = returnedUnits + units
  end
  if units > 0 then
    local sold = tonumber(redis.call('HGET', KEYS[2], 's:' .. item.s)) or 0
    redis.call('HSET', KEYS[2], 's:' .. item.s, math.max(0, sold - units))
    unitsBack(base, item.s)
  end
end
if freedSeats + returnedUnits > 0 then
  bumpSale(KEYS[2])
  emit(base, 'reservation.cancelled', { reservationId = rid }, items, now)
end
return { freedSeats, returnedUnits }
