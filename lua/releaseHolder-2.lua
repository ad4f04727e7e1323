--[[
  Releases every held hold of one holder (an admin ending a session). Holds being confirmed are left
  to finish.

  Input:
    KEYS[1] meta   KEYS[2] the holder index

  Output:
    { released count }
]]
--- @include "includes/common"

local base = baseOf(KEYS[1])
local now = nowMs()
reclaimExpired(base, now)

local released = 0
for _, holdId in ipairs(redis.call('HKEYS', KEYS[2])) do
  local hold = hashToTable(redis.call('HGETALL', base .. ':hold:' .. holdId))
  if hold.st == 'held' then
    freeHold(base, holdId, hold, 'released', now)
    released = released + 1
  elseif hold.st == nil or hold.st == 'released' or hold.st == 'expired' or hold.st == 'confirmed' then
    redis.call('HDEL', KEYS[2], holdId)
  end
end
return { released }
