#!lua
--[[
  Counts requests against rate-limit counters (fixed windows): adds n to each, and the first count of a
  window starts its expiry. The checks of one event-loop turn share one call, each taking its own place in
  its counter's count (src/plugins/rate-limit-counter.ts); over maxmemory the call is refused and every
  limit it carried fails open. On a Redis Cluster a call carries one counter (one slot).

  Input:
    KEYS[1..] the counters (at most COUNTERS_PER_CALL of rate-limit-counter.ts)
    ARGV[2i-1] n, the requests counted for the i-th key   ARGV[2i] its window in ms

  Output:
    { per counter in KEYS order: its count after adding its n, then the ms left in its window }
]]
--- @include "includes/rate-counter"

local out = {}
for i, key in ipairs(KEYS) do
  local window = tonumber(ARGV[2 * i])
  out[2 * i - 1] = countRequests(key, ARGV[2 * i - 1], window)
  out[2 * i] = windowLeft(key, window)
end
return out
