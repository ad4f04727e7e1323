#!lua flags=allow-oom
--[[
  Reclaims one batch (RECLAIM_BATCH) of one holder's expired holds: called when createHold answered
  "expired holds pending" for the holder limit (the holder has more expired holds than one call frees).

  Input:
    KEYS[1] meta   KEYS[2] counts   KEYS[3] expiry   KEYS[4] confirming   KEYS[5] units per holder (:hunits)
    KEYS[6] watched   (the event's shared keys, see lua/README.md)
    KEYS[7] the holder's holds (:hd:<holder digest>)   (the holds it reclaims cannot be known before: undeclared)

  Output:
    { 1 when more of the holder's expired holds wait (call again) else 0 }

  Flags: allow-oom. Frees expired holds only (see releaseHold).
]]
--- @include "includes/basics"
--- @include "includes/reclaim"

local base = baseOf(KEYS[1])
local now = nowMs()
return { reclaimHolderExpired(base, KEYS[7], now, RECLAIM_BATCH) and 1 or 0 }
