--[[
  Checks that a hold's own keys were declared in KEYS before a script writes them (else KEYS_CHANGED).
  (Key layout and declared keys: lua/README.md.)
]]
--- @include "includes/holders"
--- @include "includes/seat-values"
--- @include "includes/seating-index"

-- True when the keys a hold's own work touches (its holder index and seat keys) are all in KEYS: the
-- caller read them before the call; a hold created or changed in between is refused (-30) before any
-- write for it (CODE.KEYS_CHANGED), and the caller reads again.
local declaredSet = nil -- @per-call

-- True when `key` is one of KEYS (the set is built once per call).
local function isDeclared(key)
  if not declaredSet then
    declaredSet = {}
    for _, k in ipairs(KEYS) do
      declaredSet[k] = true
    end
  end
  return declaredSet[key] == true
end

local function ownKeysDeclared(base, hold)
  if not hold.i then
    return true -- a tombstone: nothing of its own left to touch
  end
  isDeclared(KEYS[1])
  local set = declaredSet
  if hold.hk and not set[holderKey(base, hold.hk)] then
    return false
  end
  for _, item in ipairs(cjson.decode(hold.i)) do
    if item.k == 's' then
      for _, seat in ipairs(item.seats) do
        if not set[seatKey(base, item.s, seat)] then
          return false
        end
      end
      if item.p then
        local bits, info, index = seatingKeys(base, item.s)
        if not (set[bits] and set[info] and set[index]) then
          return false
        end
      end
    end
  end
  return true
end
