#!lua flags=allow-oom
--[[
  Undoes a hold whose create call timed out on the client (the client was answered 503 and never saw
  the hold's id or token), whichever of the two reaches Redis first: if the create ran, the hold is
  released; if it has not run yet, a tombstone takes the hold's key and the create refuses to run over
  it (createHold answers ABANDONED). Either way nothing is left that nobody can see.

  Input:
    KEYS[1] meta   KEYS[2] counts   KEYS[3] expiry   KEYS[4] confirming   KEYS[5] units per holder (:hunits)
    KEYS[6] watched   (the event's shared keys, see lua/README.md)
    KEYS[7] the hold   KEYS[8..] the hold's holder index (:hd:) and seat keys, as read before the call
    ARGV[1] the hold id

  Output:
    { 1 } tombstone left (the create had not run)   { 2 } the hold was released   { 0 } nothing to do

  Flags: allow-oom. It frees the abandoned hold, or writes a tombstone of two short fields in its place so
  the timed-out create never runs: over maxmemory the orphan must still go (the create itself is refused).
]]
--- @include "includes/basics"
--- @include "includes/hold-record"
--- @include "includes/declared-keys"
--- @include "includes/free-hold"

local base = baseOf(KEYS[1])
local now = nowMs()
local holdId = ARGV[1]
local hold = readHold(KEYS[7])
if hold.st == nil then
  redis.call('HSET', KEYS[7], 'st', 'released', 't', '')
  redis.call('PEXPIRE', KEYS[7], TOMBSTONE_MS)
  return { 1 }
end
if hold.st == 'held' then
  if not ownKeysDeclared(base, hold) then
    return { CODE.KEYS_CHANGED } -- the create ran after the caller's read: read again
  end
  freeHold(base, holdId, hold, 'released', now)
  return { 2 }
end
return { 0 }
