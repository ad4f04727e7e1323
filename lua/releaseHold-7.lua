#!lua flags=allow-oom
--[[
  Releases a held hold at once: its seats and units are available when this returns.

  Input:
    KEYS[1] meta   KEYS[2] counts   KEYS[3] expiry   KEYS[4] confirming   KEYS[5] units per holder (:hunits)
    KEYS[6] watched   (the event's shared keys, see lua/README.md)
    KEYS[7] the hold   KEYS[8..] the hold's holder index (:hd:) and seat keys, as read before the call
    ARGV[1] the hold id   ARGV[2] presented token hash   ARGV[3] "1" when admin

  Output:
    { 1 } released   the refusals of getHold   { HOLD_CONFIRMED }   { HOLD_CONFIRMING }

  Flags: allow-oom. Releasing only frees memory (seat keys and the hold go, a smaller tombstone stays), and
  it is what lets buyers give seats back when Redis is over maxmemory.
]]
--- @include "includes/free-hold"
--- @include "includes/owned-hold"

local base, now, holdId, hold, refusal = openOwnedHold()
refusal = refusal or refuseUnlessHeld(hold)
if refusal then
  return refusal
end
freeHold(base, holdId, hold, 'released', now)
return { 1 }
