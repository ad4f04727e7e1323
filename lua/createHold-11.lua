#!lua
--[[
  Takes a hold on seats and GA units: every requested seat and unit, or nothing.

  Input:
    KEYS[1] meta   KEYS[2] counts   KEYS[3] expiry   KEYS[4] confirming   KEYS[5] units per holder (:hunits)
    KEYS[6] watched   (the event's shared keys, see lua/README.md)
    KEYS[7] the new hold   KEYS[8] the holder's holds (:hd:<holder digest>)
    KEYS[9] idempotency record (ignored when ARGV[9] is "0")
    KEYS[10] the client address's rate-limit counter   KEYS[11] the holder's (each ignored when its limit,
    ARGV[16] or ARGV[17], is 0)
    KEYS[12..] one seat key per requested seat, in the order of the seats in ARGV[7], then the seating
    keys (:ob:, :oi:, :or:) of each section given as rows that the items name (best-available picks
    write the seat keys of the block they choose, which cannot be known before the call)
    ARGV[1] hold id            ARGV[2] token hash      ARGV[3] holder
    ARGV[4] ttl ms             ARGV[5] lifetime max ms ARGV[6] max units per holder
    ARGV[7] items JSON [{"s":section,"k":"s","seats":[...],"p":[ [row,offset], ... ]} | {"s":section,"k":"g","q":n}
            | {"s":section,"k":"b","q":n,"x":1 when the seats may be split over two blocks,
               "w":wheelchair spaces among the n, the others companion seats (accessible; no split)}]
            ("p" only for sections given as rows; "b": the best n adjacent seats, picked here)
    ARGV[8] units in the hold  ARGV[9] "1" when an Idempotency-Key was given
    ARGV[10] request body hash ARGV[11] encrypted token for replays   ARGV[12] idempotency ttl ms
    ARGV[13] the holder's digest (the name of KEYS[8] after :hd:)
    ARGV[14] "1" when the sales window applies (public holds), "0" when it does not (admin holds)
    ARGV[15] the event's lone-seat rule for picks: "strict", "soft" or "off"
    ARGV[16] hold creations allowed per address per window (0: not counted by this call)
    ARGV[17] hold creations allowed per holder per window (0: not counted by this call)
    ARGV[18] the rate-limit window in ms

  Output:
    { 1, createdAt, expiresAt[, itemsJSON] }            hold taken (the items with the seats picked, when
                                                        some item was a pick)
    { 2, holdId, encryptedToken, createdAt, expiresAt } replay of an earlier create with this key
    (refusal codes: CODE in src/redis/script-codes.ts)
    { SEATS_TAKEN, soldOut, section, seat, section, seat, ... }  seats unavailable (held, sold or blocked)
    { SECTION_SHORT, section, requested, available, soldOut }    GA section short
      (soldOut: { section, version, ... } of the hold's sections with nothing available, now flagged)
    { HOLDER_LIMIT, unitsHeld, limit }                           holder limit
    { NO_BLOCK, section, requested, largest, available, soldOut }
      no block of `requested` adjacent seats under the rule; `largest` seats together would be picked
      (0: none; always 0 for an accessible request), `available` seats of the section are free
    { NOT_READY }                                                event state not loaded in Redis
    { RATE_LIMITED, scope, limit, leftMs }   scope "address" or "holder" is over its limit; its window ends in
                                             leftMs (every counted limit was counted first)
    { SALES_NOT_OPEN, opensAt }                                  sales open at opensAt (ms)
    { SALES_CLOSED, why }                                        why: "closed" by hand or "ended" (window)
    { IDEMPOTENCY_REUSED }                                       idempotency key reused with another body
    { ABANDONED }                          the hold's key exists: abandoned by a timed-out call
    { EXPIRED_PENDING, refusal... }        expired holds pending: the hold is refused as `refusal`
      (SECTION_SHORT, NO_BLOCK or HOLDER_LIMIT as above, soldOut empty) only because this call reclaims a bounded
      number of expired holds and more wait; reclaim more (a sweep) and call again
]]
--- @include "includes/basics"
--- @include "includes/seat-values"
--- @include "includes/hold-record"
--- @include "includes/holders"
--- @include "includes/seating-index"
--- @include "includes/changes"
--- @include "includes/reclaim"
--- @include "includes/best-available"
--- @include "includes/rate-counter"

local base = baseOf(KEYS[1])
local items = cjson.decode(ARGV[7])

-- Every meta field this call reads, in one command: ready, the sales window, each GA section's capacity.
local metaFields = { 'ready', 'so', 'sc', 'sx' }
for _, item in ipairs(items) do
  if item.k == 'g' then
    metaFields[#metaFields + 1] = 'c:' .. item.s
  end
end
local meta = redis.call('HMGET', KEYS[1], unpack(metaFields))
if meta[1] ~= '1' then
  return { CODE.NOT_READY }
end
local capacityOf = {}
for i = 5, #metaFields do
  capacityOf[string.sub(metaFields[i], 3)] = tonumber(meta[i]) or 0
end

local now = nowMs()

-- A fresh random id never exists: this call timed out on the client, which abandoned it first.
if redis.call('EXISTS', KEYS[7]) == 1 then
  return { CODE.ABANDONED }
end

-- The hold routes' rate limits (src/plugins/rate-limits.ts), counted in this call so a hold costs no
-- round trip more: every request that gets this far counts, replays and refusals too, as the plugin counts.
local limited
local window = tonumber(ARGV[18])
for i, scope in ipairs({ 'address', 'holder' }) do
  -- Both counters count, whichever went over first.
  local over = countLimited(KEYS[9 + i], tonumber(ARGV[15 + i]), window, scope)
  limited = limited or over
end
if limited then
  return limited
end

if ARGV[9] == '1' then
  local prior = redis.call('HMGET', KEYS[9], 'b', 'id', 'tk', 'c', 'e')
  if prior[1] then
    if prior[1] ~= ARGV[10] then
      return { CODE.IDEMPOTENCY_REUSED }
    end
    return { 2, prior[2], prior[3], tonumber(prior[4]), tonumber(prior[5]) }
  end
end

-- A replay above still answers: the hold was taken while on sale. The window is the meta's (recordSales).
if ARGV[14] == '1' then
  local opens, closes, closedByHand = meta[2], meta[3], meta[4]
  if closedByHand == '1' then
    return { CODE.SALES_CLOSED, 'closed' }
  end
  if opens and now < tonumber(opens) then
    return { CODE.SALES_NOT_OPEN, tonumber(opens) }
  end
  if closes and now >= tonumber(closes) then
    return { CODE.SALES_CLOSED, 'ended' }
  end
end

-- One reclaim budget for the call: the event's oldest expired holds first, the holder's own with the rest.
local budget = RECLAIM_BATCH - reclaimExpired(base, now)

local units = tonumber(ARGV[8])
local limit = tonumber(ARGV[6])
local digest = ARGV[13]
local function heldByHolder()
  return tonumber(redis.call('HGET', KEYS[5], digest)) or 0
end
local held = heldByHolder()
if held + units > limit then
  -- Some of the holder's holds may be expired but not reclaimed yet: they must not count.
  local more = reclaimHolderExpired(base, KEYS[8], now, budget)
  held = heldByHolder()
  if held + units > limit then
    if more then
      return { CODE.EXPIRED_PENDING, CODE.HOLDER_LIMIT, held, limit }
    end
    return { CODE.HOLDER_LIMIT, held, limit }
  end
end

local unavailable = {}
local k = 12
for _, item in ipairs(items) do
  if item.k == 's' then
    for _, seat in ipairs(item.seats) do
      local owner = redis.call('GET', KEYS[k])
      -- A seat whose hold expired is free: reclaim that hold here rather than wait for a sweep. A hold
      -- whose expiry (in the declared :expiry index) is still ahead is not read at all: its key is not
      -- declared (it cannot be known before the call), so only a reclaim touches it.
      -- A sold or blocked seat names no hold (a blocked one is nobody's, admin or not, until unblocked).
      local settled = isSold(owner) or isBlocked(owner)
      local due = owner and not settled and tonumber(redis.call('ZSCORE', KEYS[3], owner))
      if owner and not (not settled and not (due and due > now) and reclaimIfExpired(base, owner, now)) then
        unavailable[#unavailable + 1] = item.s
        unavailable[#unavailable + 1] = seat
      end
      k = k + 1
    end
  end
end
if #unavailable > 0 then
  table.insert(unavailable, 1, markSoldOut(base, items))
  table.insert(unavailable, 1, CODE.SEATS_TAKEN)
  return unavailable
end

for _, item in ipairs(items) do
  if item.k == 'g' then
    local capacity = capacityOf[item.s]
    local function available()
      local c = redis.call('HMGET', KEYS[2], 'h:' .. item.s, 's:' .. item.s)
      return capacity - (tonumber(c[1]) or 0) - (tonumber(c[2]) or 0)
    end
    if available() < item.q then
      -- Units of expired holds beyond this call's batch would come back first: ask for another call.
      if expiredRemain(base, now) then
        return { CODE.EXPIRED_PENDING, CODE.SECTION_SHORT, item.s, item.q, available(), {} }
      end
      return { CODE.SECTION_SHORT, item.s, item.q, available(), markSoldOut(base, items) }
    end
  end
end

-- Explicit seats of sections given as rows are marked taken first, so no pick chooses them; a pick marks
-- its own block. On a refusal every item marked so far goes back to its seat keys (not written yet).
local function undoMarks()
  for _, item in ipairs(items) do
    syncPlaces(base, item)
  end
end
for _, item in ipairs(items) do
  if item.k == 's' and item.p then
    markPlaces(base, item.s, item.p, 1)
  end
end
local picked = false
local rule = ARGV[15]
for i, item in ipairs(items) do
  if item.k == 'b' then
    local block
    if item.w then
      block = accessibleBlock(base, item.s, item.q, item.w, rule, now)
    else
      block = bestBlock(base, item.s, item.q, rule, now)
    end
    if not block and item.x == 1 and not item.w then
      -- Split: the largest block there is, then the best block of the rest (a row or two).
      local first = largestBlock(base, item.s, item.q, rule)
      local a = first > 0 and bestBlock(base, item.s, first, rule, now)
      local b = a and bestBlock(base, item.s, item.q - first, rule, now)
      if b then
        block = a
        for j = 1, #b.seats do
          block.seats[#block.seats + 1] = b.seats[j]
          block.p[#block.p + 1] = b.p[j]
        end
      elseif a then
        syncPlaces(base, a)
      end
    end
    if not block then
      undoMarks()
      local largest = item.w and 0 or largestBlock(base, item.s, item.q, rule)
      local c = redis.call('HMGET', KEYS[2], 'h:' .. item.s, 's:' .. item.s)
      local free = (tonumber(redis.call('HGET', KEYS[1], 'c:' .. item.s)) or 0) - (tonumber(c[1]) or 0) - (tonumber(c[2]) or 0)
      if expiredRemain(base, now) then
        return { CODE.EXPIRED_PENDING, CODE.NO_BLOCK, item.s, item.q, largest, free, {} }
      end
      return { CODE.NO_BLOCK, item.s, item.q, largest, free, markSoldOut(base, items) }
    end
    items[i] = block
    picked = true
  end
end
local itemsJson = picked and cjson.encode(items) or ARGV[7]

local expiresAt = now + math.min(tonumber(ARGV[4]), tonumber(ARGV[5]))
local holdId = ARGV[1]
-- Each time goes to several commands: made into text once (int).
local nowText, expiresText, seatExpiresText = int(now), int(expiresAt), int(expiresAt + SEAT_GRACE_MS)

for _, item in ipairs(items) do
  if item.k == 's' then
    for _, seat in ipairs(item.seats) do
      redis.call('SET', seatKey(base, item.s, seat), holdId, 'PXAT', seatExpiresText)
    end
  end
  redis.call('HINCRBY', KEYS[2], 'h:' .. item.s, itemUnits(item))
end

redis.call('HSET', KEYS[7], 'st', 'held', 't', ARGV[2], 'h', ARGV[3], 'hk', digest, 'c', nowText, 'e', expiresText, unpack(itemsFields(itemsJson)))
redis.call('ZADD', KEYS[3], expiresText, holdId)
holderAdd(KEYS[8], KEYS[5], digest, holdId, units, expiresText)

if ARGV[9] == '1' then
  redis.call('HSET', KEYS[9], 'b', ARGV[10], 'id', holdId, 'tk', ARGV[11], 'c', nowText, 'e', expiresText)
  redis.call('PEXPIRE', KEYS[9], tonumber(ARGV[12]))
end

emit(base, 'hold.created', { holdId = holdId, expiresAt = expiresAt }, items, now)
if picked then
  return { 1, now, expiresAt, itemsJson }
end
return { 1, now, expiresAt }
