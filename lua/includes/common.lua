--[[
  Shared helpers for every seatlock script.

  Key layout (all keys of one event share the hash tag {ev:<eventId>}, so each script runs in one
  cluster slot). `base` is "<prefix>:<layout version>:{ev:<eventId>}"; every script receives base..KEY.meta
  as KEYS[1]. The names after `base` come from KEY_SUFFIX in src/redis/keys.ts: scripts write KEY.<name>,
  never a literal, and the loader puts in the value (src/redis/lua-constants.ts; CODE.<NAME> and
  SEAT.soldPrefix and SEAT.blockedPrefix likewise). What each key holds:
    :meta            hash   ready=1, c:<section> capacity, k:<section> kind ("s" seated, "g" GA),
                            the sales window (recordSales): so opening ms, sc closing ms (each absent when
                            none), sx "1" closed by hand, sr present once a window is recorded. Older
                            layouts without these fields read as always on sale, so they need no new version
    :counts          hash   h:<section> held units, s:<section> sold units, b:<section> blocked seats (absent: 0),
                            xp expiries not yet counted by metrics,
                            z:<section> version of a sold-out mark some instance may be refusing from (see unitsBack),
                            sv the sale version: changes whenever sold state changes (see bumpSale)
    :back            channel "<section> <version>" when units come back to a section marked sold out
    :watched         string present while some instance streams the event's changes (refreshed, with a TTL)
    :expiry          zset   holdId -> expiresAt (ms) of holds in status "held"
    :confirming      zset   holdId -> pin deadline (ms) of holds in status "confirming"
    :hold:<id>       hash   t token hash, h holder, hk holder digest, i items JSON (i, i2, i3... in 60-byte pieces), c createdAt ms,
                            e expiresAt ms, st status, r reservation id
    :s:<sec>:<seat>  string holdId while held (expires with the hold), "$<reservationId>" once sold (the one
                            key per seat, so its name is kept short); "$" alone: sold, owner not known yet.
                            "!<blockId>" while an admin's block holds it back (no TTL; blockSeats,
                            freeBlock). Hold ids are base64url, so a value starting with "$" or "!" is
                            never a hold, and a blocked seat is neither held nor sold.
    :releases        zset   blockId -> releaseAt (ms) of allocations waiting to go back on sale by themselves;
                            whoever removes an entry releases that block (once)
    :cancelling      zset   reservationId -> deadline (ms) of cancels in flight (see returnSeats, healSold)
    :hd:<digest>     zset   one holder's active holds: holdId -> expiresAt (ms) while held, +inf while
                            confirming (so neither the holder's expiry reclaim nor a bulk release takes them);
                            <digest> is a digest of the holder (src/redis/keys.ts), kept in the hold as `hk`
    :hunits          hash   <holder digest> -> seats and units in that holder's active holds
    :idem:<hash>     hash   idempotency record of a create
    :ob:<sec>        string best available (sections given as rows): occupancy bitmap, bit set while the
                            seat's key exists (held, sold, or anything else that takes it); each row starts
                            on a byte, so reading a row is one GETRANGE of its own bytes
    :oi:<sec>        hash   <row index> -> "<first bit> <length> <rank> <class mask>", n<row index> ->
                            "<row name> <seat> <seat> ..." (the seats in adjacency order)
    :or:<sec>        zset   "a<k>:<row>" while the row has a free run of k seats or more, "f<k>:<row>" while
                            k seats fit in it without leaving a lone seat (a run of exactly k, or of k+2 or
                            more), for k = 1..SEATING.classes (the last class holds longer runs too);
                            scored by (family * classes + k - 1) * rankSpan + the row's rank, so the best
                            row of a class is one ZRANGEBYSCORE ... LIMIT 0 1
  Seated items of sections given as rows keep in "p" where each seat sits ({row, offset}, parallel to
  "seats"); every script that creates, frees, sells or returns such a seat sets its bit from the seat
  key's existence (syncPlaces) and refreshes the row's classes, so the structure follows the seat keys.

  Declared keys. Every script starts with a `#!lua` shebang (so Redis refuses a writing script BEFORE it
  runs when over maxmemory, never half-way; and on a Cluster checks every key's slot) and receives in KEYS
  every key whose name the caller can know before the call. Scripts acting on holds take the event's
  shared keys first, in this order (EventKeys.shared in src/redis/keys.ts):
    KEYS[1] :meta  KEYS[2] :counts  KEYS[3] :expiry  KEYS[4] :confirming  KEYS[5] :hunits  KEYS[6] :watched
  and a script acting on one known hold (release, extend, pin, unpin, abandon, finalise) also receives that
  hold's holder index (:hd:) and seat keys, which the caller reads first (items and holder never change
  after a create). Helpers build those names again from `base`; ownKeysDeclared checks they were declared
  before the script writes anything for that hold (else CODE.KEYS_CHANGED: the caller reads again and retries).
  Keys that CANNOT be known before the call stay undeclared: the hold, seat, holder and seating keys of
  OTHER holds met while reclaiming expired holds (reclaimExpired, a seat naming an expired hold, a holder's
  own expired holds, a bulk release page, the pinned holds healSold looks at), an expired hold's own seats
  met by getHold, and the seat keys of the block a best-available pick chooses (createHold). They share the hash tag, so every script still touches one slot; during a Cluster slot migration
  such a key that already moved fails the script at that command (the reclaim of one hold may then be left
  half-done: the next reclaim of that hold finishes it, since freeHold only deletes and decrements once per
  key it still finds). PUBLISH names channels, not keys.
]]

-- A sold seat's key names the reservation that owns it, so a return frees it only for that reservation.
local SOLD_PREFIX = SEAT.soldPrefix

local function soldTo(reservationId)
  return SOLD_PREFIX .. reservationId
end

local function isSold(value)
  return type(value) == 'string' and string.sub(value, 1, 1) == SOLD_PREFIX
end

-- A blocked seat's key names its block: only that block's unblock or release frees it.
local BLOCKED_PREFIX = SEAT.blockedPrefix

local function blockedBy(blockId)
  return BLOCKED_PREFIX .. blockId
end

local function isBlocked(value)
  return type(value) == 'string' and string.sub(value, 1, 1) == BLOCKED_PREFIX
end

-- Every script that changes sold state (seat keys "$...", s:<section>) bumps the sale version, so the
-- drift reconciler can heal from a ledger read only if nothing changed since it read Redis. The first
-- bump starts from Redis time in microseconds, so a version read before a flush and rebuild is never
-- met again by chance. Once per script call is enough (the call is atomic): a finalise of many holds bumps
-- it once.
local saleBumped = {}

local function bumpSale(counts)
  if saleBumped[counts] then
    return
  end
  saleBumped[counts] = true
  if redis.call('HINCRBY', counts, 'sv', 1) == 1 then
    local t = redis.call('TIME')
    redis.call('HSET', counts, 'sv', string.format('%.0f', tonumber(t[1]) * 1000000 + tonumber(t[2])))
  end
end
local TOMBSTONE_MS = 3900000 -- released/expired holds answer 410 for at least an hour
-- Expired holds reclaimed per call at most, so no script blocks Redis for long whatever piled up: a
-- reclaimed hold costs about 11 µs (one GA unit) to 35 µs (ten seats, event streamed), so a batch stays
-- within about 1-2 ms (measured in test/bounded-scripts.test.ts). The same bound pages bulk releases.
local RECLAIM_BATCH = 50
-- A held seat's key outlives its hold by this much: until the hold is reclaimed the key still names it,
-- so a new hold meeting the key reclaims that hold first and the counts never count a seat twice.
local SEAT_GRACE_MS = 60000

local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- The event's base from its meta key (every script's KEYS[1]).
local function baseOf(metaKey)
  return string.sub(metaKey, 1, -#KEY.meta - 1)
end

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

-- Constant-time comparison of two hex digests: the loop never exits early.
local function tokenMatches(stored, presented)
  if type(stored) ~= 'string' or type(presented) ~= 'string' or #stored ~= #presented then
    return false
  end
  local diff = 0
  for i = 1, #stored do
    diff = bit.bor(diff, bit.bxor(string.byte(stored, i), string.byte(presented, i)))
  end
  return diff == 0
end


-- The holder index: per holder, a zset of its active holds (O(log k) a hold however many it has) and its
-- units total in the event's :hunits hash (the limit check reads one field). Pinned holds score +inf.
local PINNED = 'inf'

local function holderKey(base, digest)
  return base .. KEY.holder .. digest
end

local function holderAdd(zset, units, digest, holdId, holdUnits, expiresAt)
  redis.call('ZADD', zset, expiresAt, holdId)
  redis.call('HINCRBY', units, digest, holdUnits)
end

-- Takes one hold off its holder's index (nothing when it is not there: each hold is counted off once).
local function holderRemove(base, digest, holdId, holdUnits)
  if not digest then
    return -- a hold without `hk` was written by another layout; the layout version keeps them apart
  end
  local zset = holderKey(base, digest)
  if redis.call('ZREM', zset, holdId) == 0 then
    return
  end
  local units = base .. KEY.holderUnits
  local left = redis.call('HINCRBY', units, digest, -holdUnits)
  if left <= 0 or redis.call('EXISTS', zset) == 0 then
    redis.call('HDEL', units, digest)
  end
end

-- A hold's score in its holder's index follows its expiry (extend, unpin) or becomes PINNED (confirm).
local function holderScore(base, digest, holdId, score)
  if not digest then
    return
  end
  redis.call('ZADD', holderKey(base, digest), 'XX', score, holdId)
end

local function seatKey(base, section, seat)
  return base .. KEY.seat .. section .. ':' .. seat
end

-- Best available (see the header: :ob:, :oi:, :or:). A row's free runs come from its bits; its classes
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

-- True when the keys a hold's own work touches (its holder index and seat keys) are all in KEYS: the
-- caller read them before the call; a hold created or changed in between is refused (-30) before any
-- write for it (CODE.KEYS_CHANGED), and the caller reads again.
local declaredSet = nil

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

-- Publishes one change with the counts of the sections it touched, after the change, when some instance
-- streams this event: building and delivering a change nobody reads was a third of the hold path's cost.
-- Whether it is streamed is read once per script call (a finalise of many holds emits once per hold): no
-- script writes the key, and no key expires while a script runs.
local watched = {}

local function emit(base, eventType, payload, items, now)
  if watched[base] == nil then
    watched[base] = redis.call('EXISTS', base .. KEY.watched) == 1
  end
  if not watched[base] then
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

-- Gives a live hold's seats and units back and leaves a tombstone that answers 410.
local function freeHold(base, holdId, hold, reason, now)
  local items = cjson.decode(hold.i)
  local counts = base .. KEY.counts
  for _, item in ipairs(items) do
    if item.k == 's' then
      for _, seat in ipairs(item.seats) do
        local key = seatKey(base, item.s, seat)
        if redis.call('GET', key) == holdId then
          redis.call('DEL', key)
        end
      end
      syncPlaces(base, item)
    end
    redis.call('HINCRBY', counts, 'h:' .. item.s, -itemUnits(item))
    unitsBack(base, item.s)
  end
  redis.call('ZREM', base .. KEY.expiry, holdId)
  redis.call('ZREM', base .. KEY.confirming, holdId)
  holderRemove(base, hold.hk, holdId, holdUnits(items))
  local holdKey = base .. KEY.hold .. holdId
  redis.call('DEL', holdKey)
  redis.call('HSET', holdKey, 'st', reason, 't', hold.t)
  redis.call('PEXPIRE', holdKey, TOMBSTONE_MS)
  if reason == 'expired' then
    -- Counted here, whoever reclaims it, and handed to metrics by the next sweep (sweepEvent).
    redis.call('HINCRBY', counts, 'xp', 1)
  end
  emit(base, 'hold.' .. reason, { holdId = holdId }, items, now)
end

-- Confirm, step 3 for one hold (after the ledger committed its sale): seats sold, units from held to sold,
-- the hold kept as "confirmed" for keepMs. Idempotent. Returns 1 finalised now, 0 already confirmed,
-- CODE.HOLD_UNKNOWN, or CODE.HOLD_RELEASED / HOLD_EXPIRED when the hold was freed first.
local function finaliseOne(base, holdId, reservationId, keepMs, now)
  local holdKey = base .. KEY.hold .. holdId
  local counts = base .. KEY.counts
  local hold = readHold(holdKey)
  if hold.st == nil then
    return CODE.HOLD_UNKNOWN
  end
  if hold.st == 'confirmed' then
    return 0
  end
  if hold.st == 'released' then
    return CODE.HOLD_RELEASED
  end
  if hold.st == 'expired' then
    return CODE.HOLD_EXPIRED
  end
  if not ownKeysDeclared(base, hold) then
    return CODE.KEYS_CHANGED
  end
  local items = cjson.decode(hold.i)
  for _, item in ipairs(items) do
    if item.k == 's' then
      for _, seat in ipairs(item.seats) do
        -- The ledger sold it, so the sale wins. A pinned hold's seat key can lapse (its TTL is not pushed
        -- out by the pin) and a block take the seat meanwhile: that block no longer holds it.
        if isBlocked(redis.call('SET', seatKey(base, item.s, seat), soldTo(reservationId), 'GET')) then
          redis.call('HINCRBY', counts, 'b:' .. item.s, -1)
        end
      end
      syncPlaces(base, item)
    end
    local units = itemUnits(item)
    redis.call('HINCRBY', counts, 'h:' .. item.s, -units)
    redis.call('HINCRBY', counts, 's:' .. item.s, units)
  end
  bumpSale(counts)
  -- A pinned hold left the expiry index when it was pinned (only an unpin, which makes it held again, puts
  -- it back); a held one (the reconciler finalising a sale after an unpin) is still in it.
  if hold.st ~= 'confirming' then
    redis.call('ZREM', base .. KEY.expiry, holdId)
  end
  redis.call('ZREM', base .. KEY.confirming, holdId)
  holderRemove(base, hold.hk, holdId, holdUnits(items))
  redis.call('HSET', holdKey, 'st', 'confirmed', 'r', reservationId)
  redis.call('PEXPIRE', holdKey, keepMs)
  emit(base, 'hold.confirmed', { holdId = holdId, reservationId = reservationId }, items, now)
  return 1
end

-- Frees one hold if it is held and past its expiry. Returns true when it did.
local function reclaimIfExpired(base, holdId, now)
  local hold = readHold(base .. KEY.hold .. holdId)
  if hold.st == 'held' and tonumber(hold.e) <= now then
    freeHold(base, holdId, hold, 'expired', now)
    return true
  end
  return false
end

-- Every script starts here with one batch of the oldest expired holds; a script that meets an expired
-- hold beyond the batch (a seat key naming it, the holder's index) reclaims it there, and one that needs
-- more (a short GA count) says so and is called again (createHold's "expired holds pending").
-- Each hold is reclaimed and reported once, by whichever script or sweep reaches it first.
local function reclaimExpired(base, now)
  local ids = redis.call('ZRANGEBYSCORE', base .. KEY.expiry, '-inf', now, 'LIMIT', 0, RECLAIM_BATCH)
  for _, id in ipairs(ids) do
    if not reclaimIfExpired(base, id, now) then
      local st = redis.call('HGET', base .. KEY.hold .. id, 'st')
      if st ~= 'held' then
        redis.call('ZREM', base .. KEY.expiry, id)
      end
    end
  end
  return #ids
end

-- At most `limit` of one holder's own expired holds (the holder limit must not count them). Returns true
-- while more of them wait.
local function reclaimHolderExpired(base, zset, now, limit)
  if limit <= 0 then
    return redis.call('ZCOUNT', zset, '-inf', now) > 0
  end
  local ids = redis.call('ZRANGEBYSCORE', zset, '-inf', now, 'LIMIT', 0, limit)
  for _, id in ipairs(ids) do
    local hold = readHold(base .. KEY.hold .. id)
    if hold.st == 'held' and tonumber(hold.e) <= now then
      freeHold(base, id, hold, 'expired', now)
    elseif hold.st == 'held' then
      redis.call('ZADD', zset, 'XX', hold.e, id)
    elseif hold.st == 'confirming' then
      redis.call('ZADD', zset, 'XX', PINNED, id)
    else
      -- The hold is gone (only partial data loss does that): the entry goes so the next batch moves on.
      redis.call('ZREM', zset, id)
    end
  end
  return redis.call('ZCOUNT', zset, '-inf', now) > 0
end

-- True while holds past their expiry are still waiting in the event's expiry index.
local function expiredRemain(base, now)
  return redis.call('ZCOUNT', base .. KEY.expiry, '-inf', now) > 0
end

-- Loads a hold for a token-checked operation. Returns the hold table, or an error reply table.
-- checkOwn: the caller declared the hold's own keys (see ownKeysDeclared); getHold does not (it touches
-- them only when the hold expired, as a reclaim).
local function loadOwnedHold(base, holdId, presentedHash, isAdmin, now, checkOwn)
  local hold = readHold(base .. KEY.hold .. holdId)
  if hold.st == nil then
    return nil, { CODE.HOLD_UNKNOWN }
  end
  if isAdmin ~= '1' and not tokenMatches(hold.t, presentedHash) then
    return nil, { CODE.TOKEN_INVALID }
  end
  if checkOwn and not ownKeysDeclared(base, hold) then
    return nil, { CODE.KEYS_CHANGED }
  end
  if hold.st == 'held' and tonumber(hold.e) <= now then
    freeHold(base, holdId, hold, 'expired', now)
    return nil, { CODE.HOLD_EXPIRED }
  end
  if hold.st == 'released' then
    return nil, { CODE.HOLD_RELEASED }
  end
  if hold.st == 'expired' then
    return nil, { CODE.HOLD_EXPIRED }
  end
  return hold, nil
end

-- The opening of every script acting on one token-checked hold (KEYS[1] meta, ARGV[1] the hold id,
-- ARGV[2] the presented token hash, ARGV[3] "1" for admin): a batch of expired holds reclaimed, then the
-- hold loaded. Returns base, now, holdId, hold, and a refusal reply when the hold cannot be acted on.
local function openOwnedHold()
  local base = baseOf(KEYS[1])
  local now = nowMs()
  reclaimExpired(base, now)
  local holdId = ARGV[1]
  local hold, refusal = loadOwnedHold(base, holdId, ARGV[2], ARGV[3], now, true)
  return base, now, holdId, hold, refusal
end

-- Extend and release act on a held hold only: a confirmed or confirming one is refused.
local function refuseUnlessHeld(hold)
  if hold.st == 'confirmed' then
    return { CODE.HOLD_CONFIRMED }
  end
  if hold.st == 'confirming' then
    return { CODE.HOLD_CONFIRMING }
  end
  return nil
end

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
