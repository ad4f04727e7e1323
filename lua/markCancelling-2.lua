#!lua
--[[
  Cancel, before the ledger step: records the cancel as in flight until a deadline (Redis time), so the
  drift reconciler leaves GA counts alone meanwhile (the ledger may have cancelled while Redis has not
  returned the units yet), and so returnSeats can claim the GA return exactly once (see returnSeats).
  Entries left behind (a cancel that died, or whose ledger step failed) lapse at their deadline and are
  taken over by healSold; ones older than an hour are dropped here, a bounded batch per call.

  Input:
    KEYS[1] meta   KEYS[2] cancelling index
    ARGV[1] reservation id   ARGV[2] how long the cancel may take, ms

  Output:
    { deadline }
]]
--- @include "includes/basics"

local now = nowMs()
local deadline = now + tonumber(ARGV[2])
redis.call('ZADD', KEYS[2], deadline, ARGV[1])
local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - 3600000, 'LIMIT', 0, 100)
if #old > 0 then
  redis.call('ZREM', KEYS[2], unpack(old))
end
return { deadline }
