#!lua
--[[
  Event loading, best available: indexes a page of a section's rows after the loader wrote the section's
  occupancy bitmap and row facts (classes 0): each row's free runs become its classes in the run index.
  Bounded by the page the caller sends.

  Input:
    KEYS[1] the section's occupancy bitmap (:ob:)   KEYS[2] its row facts (:oi:)   KEYS[3] its run index (:or:)
    ARGV[1] first row index   ARGV[2] last row index (inclusive)

  Output:
    { rows indexed }
]]
--- @include "includes/seating-index"

local first, last = tonumber(ARGV[1]), tonumber(ARGV[2])
for row = first, last do
  refreshRow(KEYS[1], KEYS[2], KEYS[3], row)
end
return { last - first + 1 }
