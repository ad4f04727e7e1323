#!lua flags=allow-oom
--[[
  Reclaims every hold of one event whose expiry has passed (the sweeper's tick and the keyspace
  watcher's fast path both call this; a hold is reclaimed and reported once, whoever comes first).

  Input:
    KEYS[1] meta   KEYS[2] counts   KEYS[3] expiry   KEYS[4] confirming   KEYS[5] units per holder (:hunits)
    KEYS[6] watched   (the event's shared keys, see lua/README.md)
    (the expired holds it reclaims cannot be known before the call: undeclared)

  Output:
    { reclaimed count, oldest remaining expiry ms or -1, now, 1 when more expired holds wait (call again),
      holds expired since the last sweep by any script (each handed out once, for the expired-holds metric) }

  Flags: allow-oom. Frees expired holds only (see releaseHold): over maxmemory, expiry must go on.
]]
--- @include "includes/basics"
--- @include "includes/reclaim"

local base = baseOf(KEYS[1])
local now = nowMs()
local reclaimed = reclaimExpired(base, now)
local oldest = redis.call('ZRANGE', base .. KEY.expiry, 0, 0, 'WITHSCORES')
local counts = base .. KEY.counts
local expired = tonumber(redis.call('HGET', counts, 'xp')) or 0
if expired > 0 then
  redis.call('HDEL', counts, 'xp')
end
return { reclaimed, tonumber(oldest[2]) or -1, now, expiredRemain(base, now) and 1 or 0, expired }
