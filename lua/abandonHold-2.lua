--[[
  Undoes a hold whose create call timed out on the client (the client was answered 503 and never saw
  the hold's id or token), whichever of the two reaches Redis first: if the create ran, the hold is
  released; if it has not run yet, a tombstone takes the hold's key and the create refuses to run over
  it (createHold answers -7). Either way nothing is left that nobody can see.

  Input:
    KEYS[1] meta   KEYS[2] the hold

  Output:
    { 1 } tombstone left (the create had not run)   { 2 } the hold was released   { 0 } nothing to do
]]
--- @include "includes/common"

local base = baseOf(KEYS[1])
local now = nowMs()
local holdId = string.match(KEYS[2], ':hold:(.+)$')
local hold = readHold(KEYS[2])
if hold.st == nil then
  redis.call('HSET', KEYS[2], 'st', 'released', 't', '')
  redis.call('PEXPIRE', KEYS[2], TOMBSTONE_MS)
  return { 1 }
end
if hold.st == 'held' then
  freeHold(base, holdId, hold, 'released', now)
  return { 2 }
end
return { 0 }
