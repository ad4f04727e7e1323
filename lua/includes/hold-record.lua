--[[
  A hold's hash: its items (stored in pieces), reading it back, its token check, and its units.
  (Key layout and declared keys: lua/README.md.)
]]
-- A hash stays in Redis's compact listpack encoding only while every value is at most 64 bytes
-- (hash-max-listpack-value); a 10-seat hold's items are longer, so they are stored in pieces.
local ITEMS_PIECE = 60

-- The pieces go to one HSET through unpack: the 64 KiB body limit keeps them far below Lua's 8,000.
local function itemsFields(itemsJson)
  local fields = {}
  local n = 1
  for at = 1, #itemsJson, ITEMS_PIECE do
    fields[#fields + 1] = n == 1 and 'i' or ('i' .. n)
    fields[#fields + 1] = string.sub(itemsJson, at, at + ITEMS_PIECE - 1)
    n = n + 1
  end
  return fields
end

-- A hold hash as a table, its items JSON joined again into `i`.
local function readHold(key)
  local flat = redis.call('HGETALL', key)
  local t = {}
  for i = 1, #flat, 2 do
    t[flat[i]] = flat[i + 1]
  end
  if t.i2 then
    local pieces = { t.i }
    local n = 2
    while t['i' .. n] do
      pieces[n] = t['i' .. n]
      n = n + 1
    end
    t.i = table.concat(pieces)
  end
  return t
end

-- Whether a presented token's digest is the stored one. A plain ==: what is compared are SHA-256 digests
-- of 256-bit random tokens, so a comparison whose time leaked how much of them matched would at most
-- reveal digest bits, and a token cannot be computed from its digest. (A constant-time bit.bxor loop over
-- the 64 characters cost 10 µs a call, a fifth of a confirm's pin.)
local function tokenMatches(stored, presented)
  return type(stored) == 'string' and stored == presented
end

local function itemUnits(item)
  if item.k == 's' then
    return #item.seats
  end
  return item.q
end

local function holdUnits(items)
  local units = 0
  for _, item in ipairs(items) do
    units = units + itemUnits(item)
  end
  return units
end
