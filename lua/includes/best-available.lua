--[[
  Best available: picks the best block of free seats from the seating index.
  (Key layout and declared keys: lua/README.md.)
]]
--- @include "includes/reclaim"
--- @include "includes/seat-values"
--- @include "includes/seating-index"

-- Best available: at most this many rows are tried per pick. A row tried and refused was stale (a seat key
-- exists under a clear bit, which only a rebuild after lost data leaves): its bits are fixed as it is met.
local PICK_ROWS = 8

-- The score range of class k of a family (0: any run, 1: fits without a lone seat) in :or:.
local function classRange(family, k)
  local lo = (family * CLASSES + k - 1) * RANK_SPAN
  return lo, '(' .. (lo + RANK_SPAN)
end

local function bestRow(index, family, k)
  local lo, hi = classRange(family, math.min(k, CLASSES))
  local hit = redis.call('ZRANGEBYSCORE', index, lo, hi, 'LIMIT', 0, 1)[1]
  return hit and tonumber(string.match(hit, ':(%d+)$'))
end

-- In one row's free runs, the offset of the block of n whose centre is nearest the row's centre (the
-- first such from the row's start on a tie); with `noLone`, only blocks that leave no lone seat.
local function blockIn(runs, len, n, noLone)
  local best, bestDistance = nil, nil
  for _, run in ipairs(runs) do
    local from, length = run[1], run[2]
    for s = from, from + length - n do
      local left, right = s - from, from + length - n - s
      if not noLone or (left ~= 1 and right ~= 1) then
        local distance = math.abs(2 * s + n - len) -- twice the distance between the two centres
        if not bestDistance or distance < bestDistance then
          best, bestDistance = s, distance
        end
      end
    end
  end
  return best
end

-- True when a seat's key leaves it free: no key, or a key naming a held hold past its expiry, reclaimed
-- here (as createHold does for a requested seat).
local function seatFree(base, key, now)
  local owner = redis.call('GET', key)
  if not owner then
    return true
  end
  if isSold(owner) then
    return false
  end
  local due = tonumber(redis.call('ZSCORE', base .. KEY.expiry, owner))
  return not (due and due > now) and reclaimIfExpired(base, owner, now)
end

-- Takes the block of n seats from `start` in a row if every seat's key leaves it free (a seat key the
-- structure missed sets its bit instead): marks the bits and returns the item it becomes, else nil.
local function takeBlock(base, section, row, at, start, n, now)
  local bits, info = seatingKeys(base, section)
  local names = {}
  for name in string.gmatch(redis.call('HGET', info, 'n' .. row), '%S+') do
    names[#names + 1] = name
  end
  local seats, places, free = {}, {}, true
  for off = start, start + n - 1 do
    local label = names[1] .. '-' .. names[off + 2]
    if not seatFree(base, seatKey(base, section, label), now) then
      free = false
      redis.call('SETBIT', bits, at + off, 1)
    end
    seats[#seats + 1] = label
    places[#places + 1] = { row, off }
  end
  if not free then
    return nil
  end
  markPlaces(base, section, places, 1)
  return { s = section, k = 's', seats = seats, p = places }
end

-- Picks the best block of n adjacent seats in a section given as rows and marks its bits taken (the
-- caller writes the seat keys, or calls syncPlaces to undo). rule: "strict" never leaves a lone seat,
-- "soft" leaves one only when no other block exists, "off" ignores them. Returns the item it becomes
-- ({ s, k = "s", seats, p }) or nil.
local function bestBlock(base, section, n, rule, now)
  local bits, info, index = seatingKeys(base, section)
  local families = rule == 'strict' and { 1 } or (rule == 'off' and { 0 } or { 1, 0 })
  for _ = 1, PICK_ROWS do
    local row, family = nil, nil
    for _, f in ipairs(families) do
      row = bestRow(index, f, n)
      if row then
        family = f
        break
      end
    end
    if not row then
      return nil
    end
    local at, len = rowFacts(info, row)
    local start = blockIn(freeRuns(bits, at, len), len, n, family == 1)
    local block = start and takeBlock(base, section, row, at, start, n, now)
    if block then
      return block
    end
    refreshRow(bits, info, index, row)
  end
  return nil
end

-- Accessible picks look at most at this many rows with wheelchair spaces (in rank order).
local ACCESSIBLE_ROWS = 64

-- The best block of n adjacent free seats holding exactly `wheelchairs` wheelchair spaces, every other seat
-- a companion seat, among the rows with wheelchair spaces: the lone-seat rule as for bestBlock (soft: a
-- block leaving no lone seat in any row first), then the best-ranked row, then nearest the row's centre.
local function accessibleBlock(base, section, n, wheelchairs, rule, now)
  local bits, info, index = seatingKeys(base, section)
  local list = redis.call('HGET', info, 'acc')
  if not list then
    return nil
  end
  for _ = 1, PICK_ROWS do
    local best = nil
    local seen = 0
    for row in string.gmatch(list, '%d+') do
      seen = seen + 1
      if seen > ACCESSIBLE_ROWS then
        break
      end
      row = tonumber(row)
      local at, len, rank = rowFacts(info, row)
      local kinds = redis.call('HGET', info, 'k' .. row) or ''
      for _, run in ipairs(freeRuns(bits, at, len)) do
        local from, length = run[1], run[2]
        for s = from, from + length - n do
          local w, fits = 0, true
          for off = s, s + n - 1 do
            local kind = string.sub(kinds, off + 1, off + 1)
            if kind == 'w' then
              w = w + 1
            elseif kind ~= 'c' then
              fits = false
              break
            end
          end
          local lone = (s - from == 1) or (from + length - n - s == 1)
          if fits and w == wheelchairs and not (lone and rule == 'strict') then
            local key = { (lone and rule == 'soft') and 1 or 0, rank, math.abs(2 * s + n - len) }
            if
              not best
              or key[1] < best.key[1]
              or (key[1] == best.key[1] and (key[2] < best.key[2] or (key[2] == best.key[2] and key[3] < best.key[3])))
            then
              best = { key = key, row = row, at = at, start = s }
            end
          end
        end
      end
    end
    if not best then
      return nil
    end
    local block = takeBlock(base, section, best.row, best.at, best.start, n, now)
    if block then
      return block
    end
    refreshRow(bits, info, index, best.row)
  end
  return nil
end

-- The most seats together a request could get now in the section under the rule (below n): what a
-- refusal offers instead.
local function largestBlock(base, section, n, rule)
  local _, _, index = seatingKeys(base, section)
  local family = rule == 'strict' and 1 or 0
  for k = math.min(n - 1, CLASSES), 1, -1 do
    if bestRow(index, family, k) then
      return k
    end
  end
  return 0
end
