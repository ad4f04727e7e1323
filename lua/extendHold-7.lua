#!lua
--[[
  Moves a held hold's expiry to now + ttl, never past createdAt + lifetime max.

  Input:
    KEYS[1] meta   KEYS[2] counts   KEYS[3] expiry   KEYS[4] confirming   KEYS[5] units per holder (:hunits)
    KEYS[6] watched   (the event's shared keys, see lua/README.md)
    KEYS[7] the hold   KEYS[8..] the hold's holder index (:hd:) and seat keys, as read before the call
    ARGV[1] the hold id   ARGV[2] presented token hash   ARGV[3] "1" when admin   ARGV[4] ttl ms
    ARGV[5] lifetime max ms

  Output:
    { 1, status, holder, itemsJSON, createdAt, expiresAt, "", now }   (the same shape as getHold)
    the refusals of getHold   { HOLD_CONFIRMED }   { HOLD_CONFIRMING }
]]
--- @include "includes/seat-values"
--- @include "includes/holders"
--- @include "includes/changes"
--- @include "includes/owned-hold"

local base, now, holdId, hold, refusal = openOwnedHold()
refusal = refusal or refuseUnlessHeld(hold)
if refusal then
  return refusal
end

local expiresAt = math.min(now + tonumber(ARGV[4]), tonumber(hold.c) + tonumber(ARGV[5]))
redis.call('HSET', KEYS[7], 'e', expiresAt)
redis.call('ZADD', KEYS[3], expiresAt, holdId)
holderScore(base, hold.hk, holdId, expiresAt)
local items = cjson.decode(hold.i)
followExpiry(base, items, expiresAt)
emit(base, 'hold.extended', { holdId = holdId, expiresAt = expiresAt }, items, now)
return { 1, hold.st, hold.h, hold.i, tonumber(hold.c), expiresAt, '', now }
