--[[
  Releases every held hold of one holder (an admin ending a session). Holds being confirmed are left
  to finish.

  Input:
    KEYS[1] meta   KEYS[2] the holder index (:holders)
    ARGV[1] holder

  Output:
    { released count }
]]
--- @include "includes/common"

local base = baseOf(KEYS[1])
local now = nowMs()
reclaimExpired(base, now)

local released = 0
for _, entry in ipairs(holderHolds(KEYS[2], ARGV[1])) do
  local hold = readHold(base .. ':hold:' .. entry.id)
  if hold.st == 'held' then
    freeHold(base, entry.id, hold, 'released', now)
    released = released + 1
  elseif hold.st ~= 'confirming' then
    holderRemove(KEYS[2], ARGV[1], entry.id) -- gone from Redis: drop the stale entry
  end
end
return { released }
