--[[
  A seat's key and what it holds: a hold id while held, "$<reservationId>" once sold, "!<blockId>" while
  blocked; a held seat's key expires a grace after its hold.
  (Key layout and declared keys: lua/README.md.)
]]
-- Sold and blocked seat values: one character a hold id (base64url) never starts with, then their owner.
-- Returns the value for an owner, and the test for a value of this kind.
local function seatValueKind(prefix)
  local function valueFor(owner)
    return prefix .. owner
  end
  local function isOfKind(value)
    return type(value) == 'string' and string.sub(value, 1, 1) == prefix
  end
  return valueFor, isOfKind
end

-- A sold seat's key names the reservation that owns it, so a return frees it only for that reservation.
local soldTo, isSold = seatValueKind(SEAT.soldPrefix) -- @fixed
-- A blocked seat's key names its block: only that block's unblock or release frees it.
local blockedBy, isBlocked = seatValueKind(SEAT.blockedPrefix) -- @fixed

-- A held seat's key outlives its hold by this much: until the hold is reclaimed the key still names it,
-- so a new hold meeting the key reclaims that hold first and the counts never count a seat twice.
local SEAT_GRACE_MS = 60000

local function seatKey(base, section, seat)
  return base .. KEY.seat .. section .. ':' .. seat
end

-- A held hold's expiry moved (extended, or unpinned): its seat keys follow it, plus the grace.
local function followExpiry(base, items, expiresAt)
  for _, item in ipairs(items) do
    if item.k == 's' then
      for _, seat in ipairs(item.seats) do
        redis.call('PEXPIREAT', seatKey(base, item.s, seat), expiresAt + SEAT_GRACE_MS)
      end
    end
  end
end
