--[[
  Rate-limit counters (fixed windows, as @fastify/rate-limit counts).
  countRequests(key, n, window): adds n requests to the counter at `key` and returns its count after them;
  the window's first requests start its expiry (window ms). One command for a counter already counting.
  windowLeft(key, window): the ms left in the counter's window (a counter without expiry gets one).
  countLimited(key, limit, window, scope): countRequests against a limit, and the refusal when over it.
]]
local function countRequests(key, n, window)
  local current = redis.call('INCRBY', key, n)
  if current == tonumber(n) then
    redis.call('PEXPIRE', key, window)
  end
  return current
end

local function windowLeft(key, window)
  local left = redis.call('PTTL', key)
  if left < 0 then
    left = window
    redis.call('PEXPIRE', key, left)
  end
  return left
end

-- Counts one request against a limit (0: none, nothing counted); the RATE_LIMITED reply for `scope` when
-- the count went over it, else nil.
local function countLimited(key, limit, window, scope)
  if limit == 0 or countRequests(key, 1, window) <= limit then
    return nil
  end
  return { CODE.RATE_LIMITED, scope, limit, windowLeft(key, window) }
end
