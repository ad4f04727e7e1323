--[[
  Releases a held hold at once: its seats and units are available when this returns.

  Input:
    KEYS[1] meta   KEYS[2] the hold
    ARGV[1] presented token hash   ARGV[2] "1" when admin

  Output:
    { 1 } released   { -10 } / { -11 } / { -12 } / { -20 } as getHold   { -13 } confirmed   { -14 } being confirmed
]]
--- @include "includes/common"

local base = baseOf(KEYS[1])
local now = nowMs()
reclaimExpired(base, now)

local holdId = string.match(KEYS[2], ':hold:(.+)$')
local hold, refusal = loadOwnedHold(base, holdId, ARGV[1], ARGV[2], now)
if refusal then
  return refusal
end
if hold.st == 'confirmed' then
  return { -13 }
end
if hold.st == 'confirming' then
  return { -14 }
end
freeHold(base, holdId, hold, 'released', now)
return { 1 }
