--[[
  One holder's index of active holds (:hd:<digest>) and the units per holder (:hunits).
  (Key layout and declared keys: lua/README.md.)
]]
-- The holder index: per holder, a zset of its active holds (O(log k) a hold however many it has) and its
-- units total in the event's :hunits hash (the limit check reads one field). Pinned holds score +inf.
local PINNED = 'inf'

local function holderKey(base, digest)
  return base .. KEY.holder .. digest
end

local function holderAdd(zset, units, digest, holdId, holdUnits, expiresAt)
  redis.call('ZADD', zset, expiresAt, holdId)
  redis.call('HINCRBY', units, digest, holdUnits)
end

-- Takes one hold off its holder's index (nothing when it is not there: each hold is counted off once).
local function holderRemove(base, digest, holdId, holdUnits)
  if not digest then
    return -- a hold without `hk` was written by another layout; the layout version keeps them apart
  end
  local zset = holderKey(base, digest)
  if redis.call('ZREM', zset, holdId) == 0 then
    return
  end
  local units = base .. KEY.holderUnits
  local left = redis.call('HINCRBY', units, digest, -holdUnits)
  if left <= 0 or redis.call('EXISTS', zset) == 0 then
    redis.call('HDEL', units, digest)
  end
end

-- A hold's score in its holder's index follows its expiry (extend, unpin) or becomes PINNED (confirm).
local function holderScore(base, digest, holdId, score)
  if not digest then
    return
  end
  redis.call('ZADD', holderKey(base, digest), 'XX', score, holdId)
end
