--[[
  Opens the hold a caller names with its token (release, extend, pin, get).
  (Key layout and declared keys: lua/README.md.)
]]
--- @include "includes/basics"
--- @include "includes/declared-keys"
--- @include "includes/free-hold"
--- @include "includes/hold-record"
--- @include "includes/reclaim"

-- Loads a hold for a token-checked operation. Returns the hold table, or an error reply table.
-- checkOwn: the caller declared the hold's own keys (see ownKeysDeclared); getHold does not (it touches
-- them only when the hold expired, as a reclaim).
local function loadOwnedHold(base, holdId, presentedHash, isAdmin, now, checkOwn)
  local hold = readHold(base .. KEY.hold .. holdId)
  if hold.st == nil then
    return nil, { CODE.HOLD_UNKNOWN }
  end
  if isAdmin ~= '1' and not tokenMatches(hold.t, presentedHash) then
    return nil, { CODE.TOKEN_INVALID }
  end
  if checkOwn and not ownKeysDeclared(base, hold) then
    return nil, { CODE.KEYS_CHANGED }
  end
  if hold.st == 'held' and tonumber(hold.e) <= now then
    freeHold(base, holdId, hold, 'expired', now)
    return nil, { CODE.HOLD_EXPIRED }
  end
  if hold.st == 'released' then
    return nil, { CODE.HOLD_RELEASED }
  end
  if hold.st == 'expired' then
    return nil, { CODE.HOLD_EXPIRED }
  end
  return hold, nil
end

-- The opening of every script acting on one token-checked hold (KEYS[1] meta, ARGV[1] the hold id,
-- ARGV[2] the presented token hash, ARGV[3] "1" for admin): a batch of expired holds reclaimed, then the
-- hold loaded. Returns base, now, holdId, hold, and a refusal reply when the hold cannot be acted on.
local function openOwnedHold()
  local base = baseOf(KEYS[1])
  local now = nowMs()
  reclaimExpired(base, now)
  local holdId = ARGV[1]
  local hold, refusal = loadOwnedHold(base, holdId, ARGV[2], ARGV[3], now, true)
  return base, now, holdId, hold, refusal
end

-- Extend and release act on a held hold only: a confirmed or confirming one is refused.
local function refuseUnlessHeld(hold)
  if hold.st == 'confirmed' then
    return { CODE.HOLD_CONFIRMED }
  end
  if hold.st == 'confirming' then
    return { CODE.HOLD_CONFIRMING }
  end
  return nil
end
