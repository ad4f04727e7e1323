#!lua
--[[
  The drift reconciler's heal: makes Redis's sold state match what the ledger said, but only if Redis's
  sold state has not changed since the reconciler read it (the sale version `sv` is unchanged), so a
  finalise, return or other heal that landed in between is never counted twice. Then, per instruction:
  - a seat (seated sections): the ledger's owner ("" = not sold) against the seat key now. A key sold to
    someone else or to nobody known is corrected, a free key becomes sold, a sold key the ledger does not
    have is freed unless a cancel of its reservation is in flight (that cancel returns it); a key naming a
    hold is left alone (a pinned hold's finalise, or a hold whose confirm
    the ledger will refuse, settles it). The section's sold count moves with each change.
  - a seated section's count: set to the reconciler's count of sold keys at its read (plus the changes
    made by earlier pages of this heal) plus the changes made here.
  - a GA section's count: set to the ledger's, unless a hold of that section is pinned (its confirm may
    have committed while Redis has not finalised it) or a cancel is in flight (its units may not be back
    yet). Cancels in flight past their deadline are taken over: removed, so their returnSeats can no
    longer return the units the count now leaves out.

  Input:
    KEYS[1] meta   KEYS[2] counts   KEYS[3] confirming index   KEYS[4] cancelling index
    KEYS[5..] the seat keys of ARGV[2]'s "s" list, in order, then the seating keys (:ob:, :oi:, :or:) of
    each section given as rows that the list names (the pinned holds it reads to find busy GA sections
    cannot be known before the call: undeclared, read only)
    ARGV[1] the sale version the reconciler read ("" when there was none)
    ARGV[2] JSON { "s": [ [section, seat, ledgerOwner(, row, offset)], ... ], "c": [ [section, soldKeysAtRead], ... ],
                   "g": [ [section, ledgerSold], ... ] }   (each list optional; at most a page of seats)

  Output:
    { 1, version, seats healed, counts healed, seats and GA sections left for the next pass,
      section, change of its sold count by the seat fixes, ... }                          applied
    { 0 }   the sale version changed since the reconciler read it: read again
    { NOT_READY }  the event's state is not loaded (codes: CODE in src/redis/script-codes.ts)
]]
--- @include "includes/basics"
--- @include "includes/seat-values"
--- @include "includes/sale-version"
--- @include "includes/hold-record"
--- @include "includes/seating-index"
--- @include "includes/changes"

-- Pinned holds looked at to find busy GA sections; with more pinned, every GA section waits.
local PIN_SCAN = 200

if redis.call('HGET', KEYS[1], 'ready') ~= '1' then
  return { CODE.NOT_READY }
end
local current = redis.call('HGET', KEYS[2], 'sv') or ''
if current ~= ARGV[1] then
  return { 0 }
end

local base = baseOf(KEYS[1])
local now = nowMs()
local plan = cjson.decode(ARGV[2])
local seatsHealed = 0
local seatsWaiting = 0
local countsHealed = 0
local delta = {}

for _, fix in ipairs(plan.s or {}) do
  local section, seat, owner = fix[1], fix[2], fix[3]
  local key = seatKey(base, section, seat)
  local value = redis.call('GET', key)
  local d = nil
  if owner == '' then
    -- A cancel of this seat's reservation still in flight returns the seat itself (the ledger cancelled
    -- first): freeing it here would count its own return as drift.
    local cancelling = isSold(value) and tonumber(redis.call('ZSCORE', KEYS[4], string.sub(value, 2)))
    if cancelling and cancelling > now then
      seatsWaiting = seatsWaiting + 1
    elseif isSold(value) then
      redis.call('DEL', key)
      d = -1
    end
  elseif not value then
    redis.call('SET', key, soldTo(owner))
    d = 1
  elseif isSold(value) and value ~= soldTo(owner) then
    redis.call('SET', key, soldTo(owner))
    d = 0
  end
  if d ~= nil then
    seatsHealed = seatsHealed + 1
    delta[section] = (delta[section] or 0) + d
    redis.call('HINCRBY', KEYS[2], 's:' .. section, d)
    if d < 0 then
      unitsBack(base, section)
    end
  end
  if fix[4] then
    -- The seat's bit follows its key (a section given as rows).
    markPlaces(base, section, { { fix[4], fix[5] } }, redis.call('EXISTS', key))
  end
end

-- Sets a section's sold count to `want` when it differs (units coming back are announced).
local function healCount(section, want)
  local have = tonumber(redis.call('HGET', KEYS[2], 's:' .. section)) or 0
  if have ~= want then
    redis.call('HSET', KEYS[2], 's:' .. section, want)
    countsHealed = countsHealed + 1
    if want < have then
      unitsBack(base, section)
    end
  end
end

for _, fix in ipairs(plan.c or {}) do
  healCount(fix[1], tonumber(fix[2]) + (delta[fix[1]] or 0))
end

local waiting = seatsWaiting
local ga = plan.g or {}
if #ga > 0 then
  local blocked = redis.call('ZCOUNT', KEYS[4], '(' .. now, '+inf') > 0
  local busy = {}
  if not blocked then
    if redis.call('ZCARD', KEYS[3]) > PIN_SCAN then
      blocked = true
    else
      for _, holdId in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
        local hold = readHold(base .. KEY.hold .. holdId)
        if hold.i then
          for _, item in ipairs(cjson.decode(hold.i)) do
            busy[item.s] = true
          end
        end
      end
    end
  end
  if blocked then
    waiting = #ga
  else
    redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
    for _, fix in ipairs(ga) do
      if busy[fix[1]] then
        waiting = waiting + 1
      else
        healCount(fix[1], tonumber(fix[2]))
      end
    end
  end
end

if seatsHealed + countsHealed > 0 then
  bumpSale(KEYS[2])
end
local reply = { 1, redis.call('HGET', KEYS[2], 'sv') or '', seatsHealed, countsHealed, waiting }
for section, d in pairs(delta) do
  reply[#reply + 1] = section
  reply[#reply + 1] = d
end
return reply
