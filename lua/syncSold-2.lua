#!lua
--[[
  Teaches Redis the ledger's sold count of general-admission sections when the ledger refused or made a
  sale Redis did not account for (Redis lost data). Counts only ever move up to the ledger's figure.

  Input:
    KEYS[1] meta   KEYS[2] counts
    ARGV pairs: section, units sold according to the ledger

  Output:
    { sections whose count moved }
]]
--- @include "includes/sale-version"

local moved = 0
for i = 1, #ARGV, 2 do
  local field = 's:' .. ARGV[i]
  local sold = tonumber(ARGV[i + 1])
  if (tonumber(redis.call('HGET', KEYS[2], field)) or 0) < sold then
    redis.call('HSET', KEYS[2], field, sold)
    moved = moved + 1
  end
end
if moved > 0 then
  bumpSale(KEYS[2])
end
return { moved }
