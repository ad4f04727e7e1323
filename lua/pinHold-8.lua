#!lua
--[[
  Confirm, step 1: pins a hold while the ledger transaction runs. The hold leaves the expiry index for
  the confirming index (deadline = now + grace) and its seat keys stop expiring, so neither a sweep nor a
  lazy reclaim can free it mid-sale. Only finaliseHolds or the reconciler (after asking the ledger) moves
  it on. A second confirm of a pinned hold gets the same reservation id, so the ledger's unique holdId
  makes every concurrent confirm agree.

  Input:
    KEYS[1] meta   KEYS[2] counts   KEYS[3] expiry   KEYS[4] confirming   KEYS[5] units per holder (:hunits)
    KEYS[6] watched   (the event's shared keys, see lua/README.md)
    KEYS[7] the hold   KEYS[8] the client address's hold-actions rate-limit counter (ignored when ARGV[6]
    is 0)   KEYS[9..] the hold's holder index (:hd:) and seat keys, as read before the call
    ARGV[1] the hold id   ARGV[2] presented token hash   ARGV[3] "1" when admin
    ARGV[4] reservation id to use   ARGV[5] grace ms
    ARGV[6] the actions limit per window (0: not counted here)   ARGV[7] the window, ms

  Output:
    { 2, reservationId, holder, itemsJSON, createdAt, expiresAt, tokenHash }   pinned (now or before)
    { 3, reservationId }                                                       already confirmed
    { RATE_LIMITED, "actions", limit, ms left in the window }                  over the actions limit
    the refusals of getHold

  The confirm's actions limit (src/plugins/rate-limits.ts) is counted here, so a confirm costs no round
  trip for it: every call that gets past the keys check counts, refused or not, as the plugin counts.
]]
--- @include "includes/seat-values"
--- @include "includes/holders"
--- @include "includes/owned-hold"
--- @include "includes/rate-counter"

local base, now, holdId, hold, refusal = openOwnedHold()
-- Keys not as declared: nothing was done, and the caller calls again, counted then.
if refusal and refusal[1] == CODE.KEYS_CHANGED then
  return refusal
end
local limited = countLimited(KEYS[8], tonumber(ARGV[6]), tonumber(ARGV[7]), 'actions')
if limited then
  return limited
end
if refusal then
  return refusal
end
if hold.st == 'confirmed' then
  return { 3, hold.r }
end
if hold.st == 'held' then
  hold.r = ARGV[4]
  redis.call('HSET', KEYS[7], 'st', 'confirming', 'r', hold.r)
  redis.call('ZREM', base .. KEY.expiry, holdId)
  holderScore(base, hold.hk, holdId, PINNED)
  for _, item in ipairs(cjson.decode(hold.i)) do
    if item.k == 's' then
      for _, seat in ipairs(item.seats) do
        redis.call('PERSIST', seatKey(base, item.s, seat))
      end
    end
  end
end
redis.call('ZADD', KEYS[4], int(now + tonumber(ARGV[5])), holdId)
return { 2, hold.r, hold.h, hold.i, tonumber(hold.c), tonumber(hold.e), hold.t }
