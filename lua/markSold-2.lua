#!lua
--[[
  Teaches Redis what the ledger said: these seats are sold, to these reservations (the ledger refused a
  sale because of them, or made one whose hold Redis had lost). A seat currently free becomes sold to its
  owner and counts as sold; a seat sold under another or an unknown owner gets the ledger's owner; a seat
  held by another hold is left to that hold, whose confirm the ledger will refuse in turn.

  Input:
    KEYS[1] meta   KEYS[2] counts   KEYS[3..] the seat keys, one per ARGV group, in order, then the seating
    keys (:ob:, :oi:, :or:) of each section given as rows that the groups name
    ARGV groups of five: section, seat, owning reservation id ("" when the caller does not know it: the
    seat is stored as "$" and the drift reconciler names its owner later), and where the seat sits in a
    section given as rows: row, offset ("" and "" otherwise)

  Output:
    { seats newly marked sold }
]]
--- @include "includes/basics"
--- @include "includes/seat-values"
--- @include "includes/sale-version"
--- @include "includes/seating-index"

local base = baseOf(KEYS[1])
local marked = 0
local changed = false
for i = 1, #ARGV, 5 do
  local key = seatKey(base, ARGV[i], ARGV[i + 1])
  local value = redis.call('GET', key)
  local owner = soldTo(ARGV[i + 2])
  if not value then
    redis.call('SET', key, owner)
    redis.call('HINCRBY', KEYS[2], 's:' .. ARGV[i], 1)
    marked = marked + 1
    changed = true
  elseif ARGV[i + 2] ~= '' and isSold(value) and value ~= owner then
    redis.call('SET', key, owner)
    changed = true
  end
  if ARGV[i + 3] ~= '' then
    markPlaces(base, ARGV[i], { { tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4]) } }, 1)
  end
end
if changed then
  bumpSale(KEYS[2])
end
return { marked }
