--[[
  Releases one page of one holder's held holds (an admin ending a session): at most RECLAIM_BATCH holds
  a call, so a holder with thousands of holds never blocks Redis; the caller calls again while `more`.
  Holds being confirmed (scored +inf in the holder's index) are left to finish. Holds past their expiry
  are freed as expired, not counted as released.

  Input:
    KEYS[1] meta   KEYS[2] the holder's holds (:hd:<holder digest>)   KEYS[3] units per holder (:hunits)

  Output:
    { released count, 1 when more of the holder's held holds wait (call again) else 0 }
]]
--- @include "includes/common"

local base = baseOf(KEYS[1])
local now = nowMs()

local released = 0
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. PINNED, 'LIMIT', 0, RECLAIM_BATCH)
for _, id in ipairs(ids) do
  local hold = readHold(base .. ':hold:' .. id)
  if hold.st == 'held' then
    if tonumber(hold.e) <= now then
      freeHold(base, id, hold, 'expired', now)
    else
      freeHold(base, id, hold, 'released', now)
      released = released + 1
    end
  elseif hold.st == 'confirming' then
    redis.call('ZADD', KEYS[2], 'XX', PINNED, id)
  else
    -- Gone from Redis (only partial data loss does that): drop the stale entry.
    redis.call('ZREM', KEYS[2], id)
  end
end
local more = redis.call('ZCOUNT', KEYS[2], '-inf', '(' .. PINNED) > 0
return { released, more and 1 or 0 }
