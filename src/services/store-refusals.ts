import { apiError } from '../errors.js'
import type { ApiError, ErrorCode } from '../errors.js'
import type { HoldRefusalReason } from '../redis/hold-store.js'
import { HoldRefusedError } from '../redis/store-errors.js'
import type { StoreRefusal } from '../redis/store-errors.js'

const HOLD_REFUSALS = {
  unknown: 'HOLD_NOT_FOUND',
  released: 'HOLD_RELEASED',
  expired: 'HOLD_EXPIRED',
  confirmed: 'HOLD_CONFIRMED',
  confirming: 'HOLD_CONFIRMING',
  tokenInvalid: 'HOLD_TOKEN_INVALID',
} as const satisfies Record<HoldRefusalReason, ErrorCode>

/**
 * The one place a hold store refusal becomes an API answer. `disclose`: the caller proved it is the
 * holder (or an admin); otherwise a holder-limit refusal tells the limit, never the holder's usage (a
 * holder named only in the body is a claim anyone can make, and would let anyone watch another's basket).
 */
export function refusalError(refusal: StoreRefusal, disclose = true): ApiError {
  switch (refusal.kind) {
    case 'seatsTaken':
      return apiError('SEAT_UNAVAILABLE', { seats: refusal.seats })
    case 'sectionShort':
      return apiError('INSUFFICIENT_CAPACITY', {
        section: refusal.section,
        requested: refusal.requested,
        available: refusal.available,
      })
    case 'noBlock':
      return apiError('NO_SEATS_TOGETHER', {
        section: refusal.section,
        requested: refusal.requested,
        largest: refusal.largest,
        available: refusal.available,
      })
    case 'holderLimit':
      return apiError(
        'HOLDER_LIMIT_EXCEEDED',
        disclose ? { held: refusal.held, limit: refusal.limit } : { limit: refusal.limit },
      )
    case 'idempotencyReused':
      return apiError('IDEMPOTENCY_KEY_REUSED')
    case 'salesNotOpen':
      return apiError('SALES_NOT_OPEN', { salesOpenAt: new Date(refusal.opensAt).toISOString() })
    case 'salesClosed':
      return apiError('SALES_CLOSED', { reason: refusal.reason })
    case 'rateLimited': {
      // The limit and its window, never the count: a holder's usage is not told to whoever names it.
      const error = apiError('RATE_LIMITED', {
        scope: refusal.scope,
        limit: refusal.limit,
        windowSeconds: refusal.windowMs / 1000,
      })
      error.retryAfterS = Math.max(1, Math.ceil(refusal.leftMs / 1000))
      return error
    }
    case 'hold':
      return apiError(HOLD_REFUSALS[refusal.reason])
  }
}

/** For `.catch`: a HoldRefusedError thrown as its API answer, anything else as it came. */
export function answerRefusal(error: unknown): never {
  throw error instanceof HoldRefusedError ? refusalError({ kind: 'hold', reason: error.reason }) : error
}

/** True when the store refused because it does not know the hold (the ledger may still have its sale). */
export function isUnknownHold(error: unknown): error is HoldRefusedError {
  return error instanceof HoldRefusedError && error.reason === 'unknown'
}
