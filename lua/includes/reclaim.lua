--[[
  Reclaims expired holds, a bounded batch per call.
  (Key layout and declared keys: lua/README.md.)
]]
--- @include "includes/basics"
--- @include "includes/free-hold"
--- @include "includes/hold-record"
--- @include "includes/holders"

-- Frees one hold if it is held and past its expiry. Returns true when it did.
local function reclaimIfExpired(base, holdId, now)
  local hold = readHold(base .. KEY.hold .. holdId)
  if hold.st == 'held' and tonumber(hold.e) <= now then
    freeHold(base, holdId, hold, 'expired', now)
    return true
  end
  return false
end

-- Every script starts here with one batch of the oldest expired holds; a script that meets an expired
-- hold beyond the batch (a seat key naming it, the holder's index) reclaims it there, and one that needs
-- more (a short GA count) says so and is called again (createHold's "expired holds pending").
-- Each hold is reclaimed and reported once, by whichever script or sweep reaches it first.
local function reclaimExpired(base, now)
  -- Every hold-taking and token-checked call runs this: its numbers go as text (int in basics).
  local ids = redis.call('ZRANGEBYSCORE', base .. KEY.expiry, '-inf', int(now), 'LIMIT', '0', RECLAIM_BATCH_TEXT)
  for _, id in ipairs(ids) do
    if not reclaimIfExpired(base, id, now) then
      local st = redis.call('HGET', base .. KEY.hold .. id, 'st')
      if st ~= 'held' then
        redis.call('ZREM', base .. KEY.expiry, id)
      end
    end
  end
  return #ids
end

-- At most `limit` of one holder's own expired holds (the holder limit must not count them). Returns true
-- while more of them wait.
local function reclaimHolderExpired(base, zset, now, limit)
  if limit <= 0 then
    return redis.call('ZCOUNT', zset, '-inf', now) > 0
  end
  local ids = redis.call('ZRANGEBYSCORE', zset, '-inf', now, 'LIMIT', 0, limit)
  for _, id in ipairs(ids) do
    local hold = readHold(base .. KEY.hold .. id)
    if hold.st == 'held' and tonumber(hold.e) <= now then
      freeHold(base, id, hold, 'expired', now)
    elseif hold.st == 'held' then
      redis.call('ZADD', zset, 'XX', hold.e, id)
    elseif hold.st == 'confirming' then
      redis.call('ZADD', zset, 'XX', PINNED, id)
    else
      -- The hold is gone (only partial data loss does that): the entry goes so the next batch moves on.
      redis.call('ZREM', zset, id)
    end
  end
  return redis.call('ZCOUNT', zset, '-inf', now) > 0
end

-- True while holds past their expiry are still waiting in the event's expiry index.
local function expiredRemain(base, now)
  return redis.call('ZCOUNT', base .. KEY.expiry, '-inf', now) > 0
end
