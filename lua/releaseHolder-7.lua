#!lua flags=allow-oom
--[[
  Releases one page of one holder's held holds (an admin ending a session): at most RECLAIM_BATCH holds
  a call, so a holder with thousands of holds never blocks Redis; the caller calls again while `more`.
  Holds being confirmed (scored +inf in the holder's index) are left to finish. Holds past their expiry
  are freed as expired, not counted as released.

  Input:
    KEYS[1] meta   KEYS[2] counts   KEYS[3] expiry   KEYS[4] confirming   KEYS[5] units per holder (:hunits)
    KEYS[6] watched   (the event's shared keys, see lua/README.md)
    KEYS[7] the holder's holds (:hd:<holder digest>)
    KEYS[8..] the page's holds and their own keys (holder index, seat keys), as the caller read them just
    before: a hold of the page not declared with all its keys is left for the next call (`more` stays 1)

  Output:
    { released count, 1 when more of the holder's held holds wait (call again) else 0 }

  Flags: allow-oom. Frees holds only (see releaseHold), so an admin can end a session over maxmemory.
]]
--- @include "includes/basics"
--- @include "includes/hold-record"
--- @include "includes/holders"
--- @include "includes/declared-keys"
--- @include "includes/free-hold"

local base = baseOf(KEYS[1])
local now = nowMs()

local released = 0
local ids = redis.call('ZRANGEBYSCORE', KEYS[7], '-inf', '(' .. PINNED, 'LIMIT', 0, RECLAIM_BATCH)
for _, id in ipairs(ids) do
  local holdKey = base .. KEY.hold .. id
  local hold = isDeclared(holdKey) and readHold(holdKey) or nil
  if not hold or not ownKeysDeclared(base, hold) then
    -- Not in the caller's read (added since): left in the index, so `more` says call again and the
    -- next call declares it.
  elseif hold.st == 'held' then
    if tonumber(hold.e) <= now then
      freeHold(base, id, hold, 'expired', now)
    else
      freeHold(base, id, hold, 'released', now)
      released = released + 1
    end
  elseif hold.st == 'confirming' then
    redis.call('ZADD', KEYS[7], 'XX', PINNED, id)
  else
    -- Gone from Redis (only partial data loss does that): drop the stale entry.
    redis.call('ZREM', KEYS[7], id)
  end
end
local more = redis.call('ZCOUNT', KEYS[7], '-inf', '(' .. PINNED) > 0
return { released, more and 1 or 0 }
