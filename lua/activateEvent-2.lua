#!lua
--[[
  Makes an event's Redis state live: capacities, kinds, sold and blocked counts (from the ledger), then
  ready=1. Sold and blocked seat keys are written before this runs; until it runs every hold script answers
  "not ready".

  Input:
    KEYS[1] meta   KEYS[2] counts
    ARGV, 5 values per section: section id, kind ("s" or "g"), capacity, sold, blocked

  Output:
    { 1 } activated   { 0 } already live (a concurrent rebuild finished first; nothing is overwritten)
]]
if redis.call('HGET', KEYS[1], 'ready') == '1' then
  return { 0 }
end
redis.call('DEL', KEYS[2])
for i = 1, #ARGV, 5 do
  redis.call('HSET', KEYS[1], 'c:' .. ARGV[i], ARGV[i + 2], 'k:' .. ARGV[i], ARGV[i + 1])
  redis.call('HSET', KEYS[2], 'h:' .. ARGV[i], 0, 's:' .. ARGV[i], ARGV[i + 3], 'b:' .. ARGV[i], ARGV[i + 4])
end
redis.call('HSET', KEYS[1], 'ready', '1')
return { 1 }
