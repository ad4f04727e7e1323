#!lua
--[[
  Confirm, step 3 for every hold of one ledger transaction (a group commit) in one call: for each, what
  finaliseOne in includes/common does for one (seats sold, units from held to sold, the hold kept as "confirmed").

  Input:
    KEYS[1] meta   KEYS[2] counts   KEYS[3] expiry   KEYS[4] confirming   KEYS[5] units per holder (:hunits)
    KEYS[6] watched   (the event's shared keys, see includes/common)
    KEYS[7..6+n] the n holds   KEYS[7+n..] their holder indexes (:hd:) and seat keys, as read before the call
    ARGV[1] how long to keep a confirmed hold, ms
    ARGV[2..2n+1] per hold, in KEYS order: its id, its reservation id

  Output:
    { code, code, ... } one per hold: 1 finalised now, 0 already confirmed, HOLD_UNKNOWN,
    HOLD_RELEASED / HOLD_EXPIRED the hold was freed first, KEYS_CHANGED its own keys were not declared
    (nothing done: read again)
]]
--- @include "includes/common"

local base = baseOf(KEYS[1])
local now = nowMs()
local keepMs = tonumber(ARGV[1])
local codes = {}
for i = 2, #ARGV, 2 do
  codes[#codes + 1] = finaliseOne(base, ARGV[i], ARGV[i + 1], keepMs, now)
end
return codes
