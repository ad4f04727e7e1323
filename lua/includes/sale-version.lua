--[[
  The sale version: bumped once per script call by every script that changes sold state.
  (Key layout and declared keys: lua/README.md.)
]]
-- Every script that changes sold state (seat keys "$...", s:<section>) bumps the sale version, so the
-- drift reconciler can heal from a ledger read only if nothing changed since it read Redis. The first
-- bump starts from Redis time in microseconds, so a version read before a flush and rebuild is never
-- met again by chance. Once per script call is enough (the call is atomic): a finalise of many holds bumps
-- it once.
local saleBumped = {} -- @per-call

local function bumpSale(counts)
  if saleBumped[counts] then
    return
  end
  saleBumped[counts] = true
  if redis.call('HINCRBY', counts, 'sv', 1) == 1 then
    local t = redis.call('TIME')
    redis.call('HSET', counts, 'sv', string.format('%.0f', tonumber(t[1]) * 1000000 + tonumber(t[2])))
  end
end
