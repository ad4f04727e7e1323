--[[
  Reconciler: a pinned hold whose reservation the ledger does not have goes back to "held" with its
  original expiry, or is freed as expired when that has passed.

  Input:
    KEYS[1] meta   KEYS[2] the hold

  Output:
    { 1 } held again   { 2 } freed as expired   { 0 } not pinned (nothing to do)
]]
--- @include "includes/common"

local base = baseOf(KEYS[1])
local now = nowMs()
local holdId = string.match(KEYS[2], ':hold:(.+)$')
local hold = readHold(KEYS[2])
if hold.st ~= 'confirming' then
  redis.call('ZREM', base .. ':confirming', holdId)
  return { 0 }
end
local expiresAt = tonumber(hold.e)
if expiresAt <= now then
  freeHold(base, holdId, hold, 'expired', now)
  return { 2 }
end
redis.call('HSET', KEYS[2], 'st', 'held')
redis.call('HDEL', KEYS[2], 'r')
redis.call('ZREM', base .. ':confirming', holdId)
redis.call('ZADD', base .. ':expiry', expiresAt, holdId)
holderScore(base, hold.hk, holdId, expiresAt)
followExpiry(base, cjson.decode(hold.i), expiresAt)
return { 1 }
