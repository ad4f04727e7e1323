#!lua
--[[
  Ends a block: its seats go back on sale, all in this one call. An admin's unblock frees them at once; an
  allocation's release frees them only when its release time has come and this call is the one that takes
  it from the release index, so however many instances try, one releases it and announces it.
  A seat is freed only while its key still names this block ("!<blockId>"), so a repeat frees nothing
  twice and never touches a seat held or sold since.

  Input:
    KEYS[1] meta   KEYS[2] counts   KEYS[3] expiry   KEYS[4] confirming   KEYS[5] units per holder (:hunits)
    KEYS[6] watched   (the event's shared keys, see lua/README.md)
    KEYS[7] releases
    KEYS[8..] the seat keys of the block's seats, in their order in ARGV[3], then the seating keys (:ob:,
    :oi:, :or:) of each section given as rows that the items name (best available: freed seats are free there)
    ARGV[1] block id   ARGV[2] "unblock" or "release"
    ARGV[3] items JSON [{"s":section,"k":"s","seats":[...],"p":[ [row,offset], ... ]}, ...] ("p" in sections
    given as rows)

  Output:
    { 1, seats freed }   a release this call took (published once, as seats.released), or an unblock
                         (published as seats.unblocked when it freed seats; a repeat frees none)
    { 0 }                a release not due yet, or no longer in the index (released or unblocked already)
    { NOT_READY }        the event's state is not loaded in Redis (its next load reads the ledger)
]]
--- @include "includes/basics"
--- @include "includes/seat-values"
--- @include "includes/seating-index"
--- @include "includes/changes"

local base = baseOf(KEYS[1])
if redis.call('HGET', KEYS[1], 'ready') ~= '1' then
  return { CODE.NOT_READY }
end
local now = nowMs()
local blockId = ARGV[1]
if ARGV[2] == 'release' then
  local due = tonumber(redis.call('ZSCORE', KEYS[7], blockId))
  if not due or due > now then
    return { 0 }
  end
end
redis.call('ZREM', KEYS[7], blockId)

local items = cjson.decode(ARGV[3])
local mine = blockedBy(blockId)
local freed = 0
local k = 8
for _, item in ipairs(items) do
  local n = 0
  for _ = 1, #item.seats do
    if redis.call('GET', KEYS[k]) == mine then
      redis.call('DEL', KEYS[k])
      n = n + 1
    end
    k = k + 1
  end
  if n > 0 then
    local left = redis.call('HINCRBY', KEYS[2], 'b:' .. item.s, -n)
    if left < 0 then
      redis.call('HSET', KEYS[2], 'b:' .. item.s, 0)
    end
    unitsBack(base, item.s)
    freed = freed + n
  end
  syncPlaces(base, item)
end
if ARGV[2] == 'release' or freed > 0 then
  emit(base, 'seats.' .. (ARGV[2] == 'release' and 'released' or 'unblocked'), { blockId = blockId }, items, now)
end
return { 1, freed }
