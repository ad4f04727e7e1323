#!lua
--[[
  Confirm, step 3 for every hold of one ledger transaction (a group commit) in one call: for each, what
  finaliseOne below does for one (seats sold, units from held to sold, the hold kept as "confirmed").

  Input:
    KEYS[1] meta   KEYS[2] counts   KEYS[3] expiry   KEYS[4] confirming   KEYS[5] units per holder (:hunits)
    KEYS[6] watched   (the event's shared keys, see lua/README.md)
    KEYS[7..6+n] the n holds   KEYS[7+n..] their holder indexes (:hd:) and seat keys, as read before the call
    ARGV[1] how long to keep a confirmed hold, ms
    ARGV[2..2n+1] per hold, in KEYS order: its id, its reservation id

  Output:
    { code, code, ... } one per hold: 1 finalised now, 0 already confirmed, HOLD_UNKNOWN,
    HOLD_RELEASED / HOLD_EXPIRED the hold was freed first, KEYS_CHANGED its own keys were not declared
    (nothing done: read again)
]]
--- @include "includes/basics"
--- @include "includes/seat-values"
--- @include "includes/sale-version"
--- @include "includes/hold-record"
--- @include "includes/holders"
--- @include "includes/seating-index"
--- @include "includes/declared-keys"
--- @include "includes/changes"

-- The count updates of the call, applied together: per section the units going from held to sold, and the
-- holds leaving the confirming index. The holds of one group commit mostly share a section, so a batch of
-- twelve costs two HINCRBY and one ZREM rather than twelve of each (each call inside a script costs Redis
-- more than the command itself). Nothing in the call reads these between holds, except emit, which reads the
-- counts it publishes: a watched event gets them applied before each emit, so its stream shows each step.
local moved = {}
local movedSections = {}
local leaving = {}

local function applyMoves(base)
  local counts = base .. KEY.counts
  for _, section in ipairs(movedSections) do
    local units = moved[section]
    if units ~= 0 then
      redis.call('HINCRBY', counts, 'h:' .. section, -units)
      redis.call('HINCRBY', counts, 's:' .. section, units)
    end
    moved[section] = nil
  end
  movedSections = {}
  if #leaving > 0 then
    redis.call('ZREM', base .. KEY.confirming, unpack(leaving))
    leaving = {}
  end
end

local function moveUnits(section, units)
  if moved[section] == nil then
    moved[section] = 0
    movedSections[#movedSections + 1] = section
  end
  moved[section] = moved[section] + units
end

-- Confirm, step 3 for one hold (after the ledger committed its sale): seats sold, units from held to sold,
-- the hold kept as "confirmed" for keepMs. Idempotent. Returns 1 finalised now, 0 already confirmed,
-- CODE.HOLD_UNKNOWN, or CODE.HOLD_RELEASED / HOLD_EXPIRED when the hold was freed first. Its count
-- updates wait for applyMoves.
local function finaliseOne(base, holdId, reservationId, keepMs, now)
  local holdKey = base .. KEY.hold .. holdId
  local counts = base .. KEY.counts
  local hold = readHold(holdKey)
  if hold.st == nil then
    return CODE.HOLD_UNKNOWN
  end
  if hold.st == 'confirmed' then
    return 0
  end
  if hold.st == 'released' then
    return CODE.HOLD_RELEASED
  end
  if hold.st == 'expired' then
    return CODE.HOLD_EXPIRED
  end
  if not ownKeysDeclared(base, hold) then
    return CODE.KEYS_CHANGED
  end
  local items = cjson.decode(hold.i)
  for _, item in ipairs(items) do
    if item.k == 's' then
      for _, seat in ipairs(item.seats) do
        -- The ledger sold it, so the sale wins. A pinned hold's seat key can lapse (its TTL is not pushed
        -- out by the pin) and a block take the seat meanwhile: that block no longer holds it.
        if isBlocked(redis.call('SET', seatKey(base, item.s, seat), soldTo(reservationId), 'GET')) then
          redis.call('HINCRBY', counts, 'b:' .. item.s, -1)
        end
      end
      syncPlaces(base, item)
    end
    moveUnits(item.s, itemUnits(item))
  end
  bumpSale(counts)
  -- A pinned hold left the expiry index when it was pinned (only an unpin, which makes it held again, puts
  -- it back); a held one (the reconciler finalising a sale after an unpin) is still in it.
  if hold.st ~= 'confirming' then
    redis.call('ZREM', base .. KEY.expiry, holdId)
  end
  leaving[#leaving + 1] = holdId
  holderRemove(base, hold.hk, holdId, holdUnits(items))
  redis.call('HSET', holdKey, 'st', 'confirmed', 'r', reservationId)
  redis.call('PEXPIRE', holdKey, keepMs)
  if isWatched(base) then
    applyMoves(base)
  end
  emit(base, 'hold.confirmed', { holdId = holdId, reservationId = reservationId }, items, now)
  return 1
end

local base = baseOf(KEYS[1])
local now = nowMs()
-- Only PEXPIRE reads it: kept as the caller's text (see int in basics).
local keepMs = ARGV[1]
local codes = {}
for i = 2, #ARGV, 2 do
  local ok, code = pcall(finaliseOne, base, ARGV[i], ARGV[i + 1], keepMs, now)
  if not ok then
    -- Redis keeps what a failing script wrote before its error: the holds finalised before this one keep
    -- their counts, as when each hold wrote its own.
    applyMoves(base)
    error(code)
  end
  codes[#codes + 1] = code
end
applyMoves(base)
return codes
