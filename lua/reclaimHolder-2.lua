--[[
  Reclaims one batch (RECLAIM_BATCH) of one holder's expired holds: called when createHold answered
  "expired holds pending" for the holder limit (the holder has more expired holds than one call frees).

  Input:
    KEYS[1] meta   KEYS[2] the holder's holds (:hd:<holder digest>)

  Output:
    { 1 when more of the holder's expired holds wait (call again) else 0 }
]]
--- @include "includes/common"

local base = baseOf(KEYS[1])
local now = nowMs()
return { reclaimHolderExpired(base, KEYS[2], now, RECLAIM_BATCH) and 1 or 0 }
