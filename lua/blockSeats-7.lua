#!lua
--[[
  Blocks seats for an admin (held back: sponsors, press, broken seats, an allocation): every seat, or
  none. A blocked seat's key holds "!<blockId>" with no TTL, so no hold script takes it (createHold refuses
  it as unavailable) until freeBlock frees it.

  Input:
    KEYS[1] meta   KEYS[2] counts   KEYS[3] expiry   KEYS[4] confirming   KEYS[5] units per holder (:hunits)
    KEYS[6] watched   (the event's shared keys, see lua/README.md)
    KEYS[7] releases (allocations waiting for their release time)
    KEYS[8..] one seat key per seat of ARGV[3], in its order (an expired hold met on a seat is reclaimed:
    its own keys cannot be known before the call), then the seating keys (:ob:, :oi:, :or:) of each
    section given as rows that the items name (best available: a blocked seat is taken there)
    ARGV[1] block id   ARGV[2] release time ms, "" for none
    ARGV[3] items JSON [{"s":section,"k":"s","seats":[...],"p":[ [row,offset], ... ]}, ...] (seated sections
    only; "p" where each seat sits, in sections given as rows)

  Output:
    { 1, seats blocked now }          every seat is blocked (by this call, or by an earlier call for
                                      the same block: a repeat blocks nothing twice)
    { SEATS_TAKEN, section, seat, status, ... }   nothing blocked; status "h" held, "s" sold, "b" blocked
                                      by another block (codes: CODE in src/redis/script-codes.ts)
    { NOT_READY }                     the event's state is not loaded in Redis
]]
--- @include "includes/basics"
--- @include "includes/seat-values"
--- @include "includes/seating-index"
--- @include "includes/changes"
--- @include "includes/reclaim"

local base = baseOf(KEYS[1])
if redis.call('HGET', KEYS[1], 'ready') ~= '1' then
  return { CODE.NOT_READY }
end
local now = nowMs()
reclaimExpired(base, now)

local items = cjson.decode(ARGV[3])
local mine = blockedBy(ARGV[1])
local refused = {}
local k = 8
for _, item in ipairs(items) do
  for _, seat in ipairs(item.seats) do
    local value = redis.call('GET', KEYS[k])
    if value and value ~= mine then
      local status = nil
      if isSold(value) then
        status = 's'
      elseif isBlocked(value) then
        status = 'b'
      else
        -- A hold: free only if it has expired (reclaimed here, as createHold does). One whose expiry in the
        -- declared index is ahead is not read at all.
        local due = tonumber(redis.call('ZSCORE', KEYS[3], value))
        if (due and due > now) or not reclaimIfExpired(base, value, now) then
          status = 'h'
        end
      end
      if status then
        refused[#refused + 1] = item.s
        refused[#refused + 1] = seat
        refused[#refused + 1] = status
      end
    end
    k = k + 1
  end
end
if #refused > 0 then
  table.insert(refused, 1, CODE.SEATS_TAKEN)
  return refused
end

local blocked = 0
k = 8
for _, item in ipairs(items) do
  local n = 0
  for _ = 1, #item.seats do
    if redis.call('GET', KEYS[k]) ~= mine then
      redis.call('SET', KEYS[k], mine)
      n = n + 1
    end
    k = k + 1
  end
  if n > 0 then
    redis.call('HINCRBY', KEYS[2], 'b:' .. item.s, n)
    blocked = blocked + n
  end
  syncPlaces(base, item)
end
if ARGV[2] ~= '' then
  redis.call('ZADD', KEYS[7], tonumber(ARGV[2]), ARGV[1])
end
if blocked > 0 then
  emit(base, 'seats.blocked', { blockId = ARGV[1] }, items, now)
end
return { 1, blocked }
