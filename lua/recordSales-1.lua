#!lua
--[[
  Records an event's sales window in its meta hash, where createHold reads it: every instance's next hold
  sees a change at once.

  Input:
    KEYS[1] meta
    ARGV[1] "1": replace what is recorded (an admin's change, written after the ledger's);
            "0": only when nothing is recorded yet (a load, whose ledger read may predate a change
            recorded meanwhile: that change is newer and stays)
    ARGV[2] opening time ms, "" for none   ARGV[3] closing time ms, "" for none   ARGV[4] "1" closed by hand

  Output:
    { 1 } recorded   { 0 } left as it was (ARGV[1] "0" and a window was recorded)
]]
if ARGV[1] ~= '1' and redis.call('HEXISTS', KEYS[1], 'sr') == 1 then
  return { 0 }
end
redis.call('HDEL', KEYS[1], 'so', 'sc')
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[1], 'so', ARGV[2])
end
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[1], 'sc', ARGV[3])
end
redis.call('HSET', KEYS[1], 'sx', ARGV[4], 'sr', '1')
return { 1 }
