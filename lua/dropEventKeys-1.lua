#!lua flags=allow-oom
--[[
  Retention, step 2: deletes one page of a retired event's keys, only while the eviction that retired it
  still owns it (a rebuild removed the token: nothing is deleted).

  Input:
    KEYS[1] meta   KEYS[2..] keys of the event to delete (a few hundred at most)
    ARGV[1] eviction token   ARGV[2] "1" on the last page: meta goes too

  Output:
    { 1, keys deleted }   { 0 } the eviction lost the event to a rebuild

  Flags: allow-oom. It only deletes keys, so it must run when Redis is over maxmemory.
]]
if redis.call('HGET', KEYS[1], 'retiring') ~= ARGV[1] then
  return { 0 }
end
local deleted = 0
if #KEYS > 1 then
  deleted = redis.call('DEL', unpack(KEYS, 2))
end
if ARGV[2] == '1' then
  deleted = deleted + redis.call('DEL', KEYS[1])
end
return { 1, deleted }
