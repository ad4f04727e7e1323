--[[
  Teaches Redis what the ledger said: these seats are sold (the ledger refused a sale because of them,
  so Redis had lost that fact). A seat currently free becomes sold and counts as sold; a seat held by
  another hold is left to that hold, whose confirm the ledger will refuse in turn.

  Input:
    KEYS[1] meta   KEYS[2] counts
    ARGV pairs: section, seat

  Output:
    { seats newly marked sold }
]]
--- @include "includes/common"

local base = baseOf(KEYS[1])
local marked = 0
for i = 1, #ARGV, 2 do
  local key = seatKey(base, ARGV[i], ARGV[i + 1])
  if redis.call('EXISTS', key) == 0 then
    redis.call('SET', key, SOLD)
    redis.call('HINCRBY', KEYS[2], 's:' .. ARGV[i], 1)
    marked = marked + 1
  end
end
return { marked }
