--[[
  Confirm, step 3 for every hold of one ledger transaction (a group commit) in one call: for each, what
  finaliseOne in includes/common does for one (seats sold, units from held to sold, the hold kept as "confirmed").

  Input:
    KEYS[1] meta   KEYS[2] counts   KEYS[3..] the holds
    ARGV[1] how long to keep a confirmed hold, ms   ARGV[2..] the reservation id of each hold, in KEYS order

  Output:
    { code, code, ... } one per hold: 1 finalised now, 0 already confirmed, -10 unknown,
    -11 / -12 the hold was freed first
]]
--- @include "includes/common"

local base = baseOf(KEYS[1])
local now = nowMs()
local keepMs = tonumber(ARGV[1])
local codes = {}
for i = 3, #KEYS do
  local holdId = string.match(KEYS[i], ':hold:(.+)$')
  codes[#codes + 1] = finaliseOne(base, holdId, ARGV[i - 1], keepMs, now)
end
return codes
