--[[
  What other instances learn from a script: changes published for the event stream, sold-out marks and
  their lifting.
  (Key layout and declared keys: lua/README.md.)
]]
-- Publishes one change with the counts of the sections it touched, after the change, when some instance
-- streams this event: building and delivering a change nobody reads was a third of the hold path's cost.
-- Whether it is streamed is read once per script call (a finalise of many holds emits once per hold): no
-- script writes the key, and no key expires while a script runs.
local watched = {} -- @per-call

-- Whether some instance streams the event's changes (read once per call).
local function isWatched(base)
  if watched[base] == nil then
    watched[base] = redis.call('EXISTS', base .. KEY.watched) == 1
  end
  return watched[base]
end

local function emit(base, eventType, payload, items, now)
  if not isWatched(base) then
    return
  end
  local counts = {}
  for _, item in ipairs(items) do
    if counts[item.s] == nil then
      local v = redis.call('HMGET', base .. KEY.counts, 'h:' .. item.s, 's:' .. item.s, 'b:' .. item.s)
      counts[item.s] = { tonumber(v[1]) or 0, tonumber(v[2]) or 0, tonumber(v[3]) or 0 }
    end
  end
  payload.type = eventType
  payload.at = now
  payload.counts = counts
  redis.call('PUBLISH', base .. KEY.changes, cjson.encode(payload))
end

-- A hold was refused: the sections of `items` with nothing available (held, sold or blocked) are flagged in the
-- counts with a version (Redis time in microseconds) and returned as { section, version, ... }, so API
-- instances can refuse the next requests for them without a script call (src/redis/sold-out.ts).
local function markSoldOut(base, items)
  local meta = base .. KEY.meta
  local counts = base .. KEY.counts
  local out = {}
  local seen = {}
  for _, item in ipairs(items) do
    if not seen[item.s] then
      seen[item.s] = true
      local capacity = tonumber(redis.call('HGET', meta, 'c:' .. item.s)) or 0
      local c = redis.call('HMGET', counts, 'h:' .. item.s, 's:' .. item.s, 'z:' .. item.s, 'b:' .. item.s)
      if capacity - (tonumber(c[1]) or 0) - (tonumber(c[2]) or 0) - (tonumber(c[4]) or 0) <= 0 then
        local version = c[3]
        if not version then
          local t = redis.call('TIME')
          version = string.format('%.0f', tonumber(t[1]) * 1000000 + tonumber(t[2]))
          redis.call('HSET', counts, 'z:' .. item.s, version)
        end
        out[#out + 1] = item.s
        out[#out + 1] = version
      end
    end
  end
  return out
end

-- Units came back to a section (release, expiry, cancel, unblock): if some instance may be refusing it from a
-- sold-out mark, the flag goes and every instance is told, before the script's caller gets its answer.
local function unitsBack(base, section)
  local counts = base .. KEY.counts
  local version = redis.call('HGET', counts, 'z:' .. section)
  if version then
    redis.call('HDEL', counts, 'z:' .. section)
    redis.call('PUBLISH', base .. KEY.soldOutBack, section .. ' ' .. version)
  end
end
