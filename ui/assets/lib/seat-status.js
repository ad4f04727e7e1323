/**
 * What one character of the seat map (GET /v1/events/:id/seat-map) means. The API promises "a", "h" and
 * "s" and tells clients to treat any other character as not available: the page draws those as blocked.
 */

/** @typedef {'available' | 'held' | 'sold' | 'blocked'} SeatState */

/** @param {string} char @returns {SeatState} */
export function seatState(char) {
  if (char === 'a') return 'available'
  if (char === 'h') return 'held'
  if (char === 's') return 'sold'
  return 'blocked'
}

/** Positions whose character differs between two status strings of one section (lengths may differ). */
export function changedPositions(before, after) {
  const changed = []
  const length = Math.max(before.length, after.length)
  for (let i = 0; i < length; i++) if (before.charCodeAt(i) !== after.charCodeAt(i)) changed.push(i)
  return changed
}

/** The status string with some positions set to one character (the page's own hold, before the map says so). */
export function withChar(status, positions, char) {
  const chars = status.split('')
  for (const i of positions) if (i >= 0 && i < chars.length) chars[i] = char
  return chars.join('')
}
