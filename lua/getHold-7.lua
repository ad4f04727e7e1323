#!lua flags=allow-oom
--[[
  Reads a hold for its owner (or an admin).

  Input:
    KEYS[1] meta   KEYS[2] counts   KEYS[3] expiry   KEYS[4] confirming   KEYS[5] units per holder (:hunits)
    KEYS[6] watched   (the event's shared keys, see lua/README.md)
    KEYS[7] the hold   (its own seat and holder keys are touched only when it expired: a reclaim)
    ARGV[1] the hold id   ARGV[2] presented token hash   ARGV[3] "1" when the caller is an admin

  Output:
    { 1, status, holder, itemsJSON, createdAt, expiresAt, reservationId or "", now }
    { HOLD_UNKNOWN } never existed (or forgotten)   { HOLD_RELEASED }   { HOLD_EXPIRED }
    { TOKEN_INVALID } wrong token   (CODE in src/redis/script-codes.ts)

  Flags: allow-oom. It reads, and writes only to reclaim expired holds (freeHold deletes seat keys and the
  hold and leaves a smaller tombstone), so a buyer can still read their hold when Redis is over maxmemory.
]]
--- @include "includes/basics"
--- @include "includes/reclaim"
--- @include "includes/owned-hold"

local base = baseOf(KEYS[1])
local now = nowMs()
reclaimExpired(base, now)

local holdId = ARGV[1]
local hold, refusal = loadOwnedHold(base, holdId, ARGV[2], ARGV[3], now, false)
if refusal then
  return refusal
end
return { 1, hold.st, hold.h, hold.i, tonumber(hold.c), tonumber(hold.e), hold.r or '', now }
