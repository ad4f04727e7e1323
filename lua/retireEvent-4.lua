#!lua flags=allow-oom
--[[
  Retention, step 1: takes an event's Redis state out of service before its keys are deleted in pages.
  Refuses while anything lives in it (a hold, a pin, a change stream), unless forced (the event was deleted
  from the ledger: what lives in it goes too). Otherwise ready=0, so every hold
  script answers "not ready" (and the caller rebuilds from the ledger, under the load lock the evictor
  holds), and marks the eviction with its token: each page of deletes checks it (dropEventKeys), and a
  rebuild removes it first, so a stalled evictor can never delete what a rebuild wrote.

  Input:
    KEYS[1] meta   KEYS[2] expiry   KEYS[3] confirming   KEYS[4] watched
    ARGV[1] eviction token   ARGV[2] "1": retire even while something lives in it

  Output:
    { 1 } retired (or resumed: a half-done eviction is taken over)   { EVENT_BUSY } live holds, pins or watchers

  Flags: allow-oom. It writes two small fields of meta only to let the eviction free the event's keys,
  which is what an instance over maxmemory needs most.
]]
if ARGV[2] ~= '1' and redis.call('HGET', KEYS[1], 'ready') == '1' then
  if redis.call('ZCARD', KEYS[2]) > 0 or redis.call('ZCARD', KEYS[3]) > 0 or redis.call('EXISTS', KEYS[4]) == 1 then
    return { CODE.EVENT_BUSY }
  end
end
redis.call('HSET', KEYS[1], 'ready', '0', 'retiring', ARGV[1])
return { 1 }
