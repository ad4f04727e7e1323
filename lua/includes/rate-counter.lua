--[[
  One rate-limit counter (a fixed window, as @fastify/rate-limit counts): adds n requests to the counter
  at `key` and returns its count after them and the ms left in its window. The first requests of a window
  open it in one command (most counters are new: one per holder).
]]
local function countRequests(key, n, window)
  if redis.call('SET', key, n, 'PX', window, 'NX') then
    return tonumber(n), window
  end
  local current = redis.call('INCRBY', key, n)
  local left = redis.call('PTTL', key)
  if left < 0 then
    left = window
    redis.call('PEXPIRE', key, left)
  end
  return current, left
end
