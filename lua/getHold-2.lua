--[[
  Reads a hold for its owner (or an admin).

  Input:
    KEYS[1] meta   KEYS[2] the hold
    ARGV[1] presented token hash   ARGV[2] "1" when the caller is an admin

  Output:
    { 1, status, holder, itemsJSON, createdAt, expiresAt, reservationId or "", now }
    { -10 } never existed (or forgotten)  { -11 } released  { -12 } expired  { -20 } wrong token
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
return { 1, hold.st, hold.h, hold.i, tonumber(hold.c), tonumber(hold.e), hold.r or '', now }
