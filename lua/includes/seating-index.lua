--[[
  The best-available index of sections given as rows (:ob: occupancy bits, :oi: row facts, :or: rows by
  free run): every script that takes, frees, sells or returns a seat keeps it in step with the seat keys.
  (Key layout and declared keys: lua/README.md.)
]]
--- @include "includes/seat-values"

-- Best available (lua/README.md: :ob:, :oi:, :or:). A row's free runs come from its bits; its classes
-- from its runs; the index changes only where a row's classes changed.
local CLASSES = SEATING.classes

local RANK_SPAN = SEATING.rankSpan

local function seatingKeys(base, section)
  return base .. KEY.rowBits .. section, base .. KEY.rowInfo .. section, base .. KEY.rowRuns .. section
end

-- A row's facts: first bit, length, rank, class mask (nil when the row is unknown).
local function rowFacts(info, row)
  local v = redis.call('HGET', info, row)
  if not v then
    return nil
  end
  local at, len, rank, mask = string.match(v, '^(%d+) (%d+) (%d+) (%-?%d+)$')
  return tonumber(at), tonumber(len), tonumber(rank), tonumber(mask)
end

-- The free runs of a row as { offset, length }, offsets from 0, in row order.
local function freeRuns(bits, at, len)
  local bytes = redis.call('GETRANGE', bits, at / 8, (at + len - 1 - (at + len - 1) % 8) / 8)
  local runs = {}
  local from = nil
  for off = 0, len - 1 do
    local byte = string.byte(bytes, math.floor(off / 8) + 1) or 0
    if bit.band(byte, bit.rshift(128, off % 8)) ~= 0 then
      if from then
        runs[#runs + 1] = { from, off - from }
        from = nil
      end
    elseif not from then
      from = off
    end
  end
  if from then
    runs[#runs + 1] = { from, len - from }
  end
  return runs
end

-- Bit k-1: a run of k or more ("a"); bit CLASSES+k-1: k fit without leaving a lone seat ("f").
local function classMask(runs)
  local mask = 0
  for _, run in ipairs(runs) do
    local length = run[2]
    for k = 1, math.min(length, CLASSES) do
      mask = bit.bor(mask, bit.lshift(1, k - 1))
      if length == k or length >= k + 2 then
        mask = bit.bor(mask, bit.lshift(1, CLASSES + k - 1))
      end
    end
  end
  return mask
end

-- Recomputes one row's classes from its bits and moves it in the index where they changed.
local function refreshRow(bits, info, index, row)
  local at, len, rank, old = rowFacts(info, row)
  if not at then
    return
  end
  local mask = classMask(freeRuns(bits, at, len))
  if mask == old then
    return
  end
  for family = 0, 1 do
    for k = 1, CLASSES do
      local flag = bit.lshift(1, family * CLASSES + k - 1)
      local is = bit.band(mask, flag) ~= 0
      if is ~= (bit.band(old, flag) ~= 0) then
        local member = (family == 0 and 'a' or 'f') .. k .. ':' .. row
        if is then
          redis.call('ZADD', index, (family * CLASSES + k - 1) * RANK_SPAN + rank, member)
        else
          redis.call('ZREM', index, member)
        end
      end
    end
  end
  redis.call('HSET', info, row, at .. ' ' .. len .. ' ' .. rank .. ' ' .. mask)
end

-- Sets the bits of `places` ({ row, offset } each) to `taken` (a table parallel to places of 0/1, or one
-- number for all) and refreshes the rows touched.
local function markPlaces(base, section, places, taken)
  local bits, info, index = seatingKeys(base, section)
  local firstBit = {}
  for i, place in ipairs(places) do
    local row = place[1]
    if firstBit[row] == nil then
      firstBit[row] = rowFacts(info, row) or false
    end
    if firstBit[row] then
      local value = taken
      if type(taken) == 'table' then
        value = taken[i]
      end
      redis.call('SETBIT', bits, firstBit[row] + place[2], value)
    end
  end
  for row in pairs(firstBit) do
    refreshRow(bits, info, index, row)
  end
end

-- A seated item's bits follow its seat keys: taken while the key exists (held, sold, blocked, or naming
-- a hold not reclaimed yet), free when it is gone. Items of sections not given as rows have no "p".
local function syncPlaces(base, item)
  if item.k ~= 's' or type(item.p) ~= 'table' then
    return
  end
  local taken = {}
  for i, seat in ipairs(item.seats) do
    taken[i] = redis.call('EXISTS', seatKey(base, item.s, seat))
  end
  markPlaces(base, item.s, item.p, taken)
end
