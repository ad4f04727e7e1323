/**
 * The numbers scripts refuse with, named once. Scripts write `CODE.<NAME>` and the loader puts in the
 * number (lua-constants.ts), so neither side writes a bare number and the two cannot drift. Success replies (1, 2, ...) are each script's own; its header
 * and its wrapper in src/redis/commands/ document them.
 */
export const SCRIPT_CODE = {
  /** createHold: some requested seats are held or sold. */
  SEATS_TAKEN: -1,
  /** createHold: a GA section has fewer units available than asked. */
  SECTION_SHORT: -2,
  /** createHold: the holder would exceed its limit. */
  HOLDER_LIMIT: -3,
  /** The event's state is not loaded in Redis (createHold, healSold). */
  NOT_READY: -4,
  /** retireEvent: holds, pins or watchers still live in the event. */
  EVENT_BUSY: -5,
  /** createHold: the Idempotency-Key was used with another body. */
  IDEMPOTENCY_REUSED: -6,
  /** createHold: the hold's key exists, taken by abandonHold after the call timed out. */
  ABANDONED: -7,
  /** createHold: refused only because more expired holds wait than one call reclaims. */
  EXPIRED_PENDING: -8,
  /** createHold: no block of the requested seats together (best available) under the lone-seat rule. */
  NO_BLOCK: -9,
  /** createHold: the event's sales window has not opened yet. */
  SALES_NOT_OPEN: -15,
  /** createHold: the event's sales window has closed, or an admin closed sales. */
  SALES_CLOSED: -16,
  /** createHold: a rate limit the call counted is exceeded (the hold routes' limits, on one Redis). */
  RATE_LIMITED: -17,
  HOLD_UNKNOWN: -10,
  HOLD_RELEASED: -11,
  HOLD_EXPIRED: -12,
  HOLD_CONFIRMED: -13,
  HOLD_CONFIRMING: -14,
  TOKEN_INVALID: -20,
  /** A hold's own keys were not the ones the caller declared (it changed after the read): read again. */
  KEYS_CHANGED: -30,
} as const

export type ScriptCode = (typeof SCRIPT_CODE)[keyof typeof SCRIPT_CODE]
