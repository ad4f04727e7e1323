--[[
  Frees a live hold: its seats and units go back, a tombstone answers 410.
  (Key layout and declared keys: lua/README.md.)
]]
--- @include "includes/changes"
--- @include "includes/hold-record"
--- @include "includes/holders"
--- @include "includes/seat-values"
--- @include "includes/seating-index"

local TOMBSTONE_MS = 3900000 -- released/expired holds answer 410 for at least an hour

-- Gives a live hold's seats and units back and leaves a tombstone that answers 410.
local function freeHold(base, holdId, hold, reason, now)
  local items = cjson.decode(hold.i)
  local counts = base .. KEY.counts
  for _, item in ipairs(items) do
    if item.k == 's' then
      for _, seat in ipairs(item.seats) do
        local key = seatKey(base, item.s, seat)
        if redis.call('GET', key) == holdId then
          redis.call('DEL', key)
        end
      end
      syncPlaces(base, item)
    end
    redis.call('HINCRBY', counts, 'h:' .. item.s, -itemUnits(item))
    unitsBack(base, item.s)
  end
  redis.call('ZREM', base .. KEY.expiry, holdId)
  redis.call('ZREM', base .. KEY.confirming, holdId)
  holderRemove(base, hold.hk, holdId, holdUnits(items))
  local holdKey = base .. KEY.hold .. holdId
  redis.call('DEL', holdKey)
  redis.call('HSET', holdKey, 'st', reason, 't', hold.t)
  redis.call('PEXPIRE', holdKey, TOMBSTONE_MS)
  if reason == 'expired' then
    -- Counted here, whoever reclaims it, and handed to metrics by the next sweep (sweepEvent).
    redis.call('HINCRBY', counts, 'xp', 1)
  end
  emit(base, 'hold.' .. reason, { holdId = holdId }, items, now)
end
