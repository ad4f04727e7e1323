#!lua
--[[
  Reconciler: a pinned hold whose reservation the ledger does not have goes back to "held" with its
  original expiry, or is freed as expired when that has passed.

  Input:
    KEYS[1] meta   KEYS[2] counts   KEYS[3] expiry   KEYS[4] confirming   KEYS[5] units per holder (:hunits)
    KEYS[6] watched   (the event's shared keys, see lua/README.md)
    KEYS[7] the hold   KEYS[8..] the hold's holder index (:hd:) and seat keys, as read before the call
    ARGV[1] the hold id

  Output:
    { 1 } held again   { 2 } freed as expired   { 0 } not pinned (nothing to do)
]]
--- @include "includes/basics"
--- @include "includes/seat-values"
--- @include "includes/hold-record"
--- @include "includes/holders"
--- @include "includes/declared-keys"
--- @include "includes/free-hold"

local base = baseOf(KEYS[1])
local now = nowMs()
local holdId = ARGV[1]
local hold = readHold(KEYS[7])
if hold.st ~= 'confirming' then
  redis.call('ZREM', base .. KEY.confirming, holdId)
  return { 0 }
end
if not ownKeysDeclared(base, hold) then
  return { CODE.KEYS_CHANGED }
end
local expiresAt = tonumber(hold.e)
if expiresAt <= now then
  freeHold(base, holdId, hold, 'expired', now)
  return { 2 }
end
redis.call('HSET', KEYS[7], 'st', 'held')
redis.call('HDEL', KEYS[7], 'r')
redis.call('ZREM', base .. KEY.confirming, holdId)
redis.call('ZADD', base .. KEY.expiry, expiresAt, holdId)
holderScore(base, hold.hk, holdId, expiresAt)
followExpiry(base, cjson.decode(hold.i), expiresAt)
return { 1 }
