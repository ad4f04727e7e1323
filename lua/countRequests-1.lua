#!lua
--[[
  Counts requests against one rate-limit counter (a fixed window): adds n, and the first count of a
  window starts its expiry. Several concurrent checks of one counter share one call, each taking its own
  place in the count (src/plugins/rate-limit-counter.ts); over maxmemory the call is refused and the
  limit fails open.

  Input:
    KEYS[1] the counter
    ARGV[1] n, the requests counted by this call   ARGV[2] the window in ms

  Output:
    { the count after adding n, ms left in the window }
]]
local current = redis.call('INCRBY', KEYS[1], ARGV[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  left = tonumber(ARGV[2])
  redis.call('PEXPIRE', KEYS[1], left)
end
return { current, left }
