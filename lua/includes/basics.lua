--[[
  What every script needs: Redis time in ms, the event's base from its meta key, and the page size of
  bulk work (so no script blocks Redis for long).
  (Key layout and declared keys: lua/README.md.)
]]
-- Expired holds reclaimed per call at most, so no script blocks Redis for long whatever piled up: a
-- reclaimed hold costs about 11 µs (one GA unit) to 35 µs (ten seats, event streamed), so a batch stays
-- within about 1-2 ms (measured in test/bounded-scripts.test.ts). The same bound pages bulk releases.
local RECLAIM_BATCH = 50
-- The same bound as a command argument (see int below).
local RECLAIM_BATCH_TEXT = RECLAIM_BATCH .. ''

local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- A whole number as a command argument. Redis turns a Lua number argument into text with "%.17g", which
-- costs about 0.9 µs for a time in ms (a tenth of a `redis.call`'s own cost, measured on Redis 7.0); a string
-- goes through as it is, and "%d" makes one for much less. Hot scripts pass each time this way.
local function int(n)
  return string.format('%d', n)
end

-- The event's base from its meta key (every script's KEYS[1]).
local function baseOf(metaKey)
  return string.sub(metaKey, 1, -#KEY.meta - 1)
end
