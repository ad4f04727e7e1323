import createError from '@fastify/error'
import type { FastifyError } from 'fastify'

/**
 * Every error code the API answers with, its HTTP status and default message. The codes are stable:
 * clients branch on them. Routes list theirs in the OpenAPI document from this table.
 */
export const ERRORS = {
  INVALID_REQUEST: [400, 'The request is not valid'],
  INVALID_JSON: [400, 'The body is not valid JSON'],
  DUPLICATE_SEATS: [400, 'A seat is named more than once in the request'],
  TOO_MANY_SEATS: [400, 'Too many seats or units in one hold'],
  INVALID_TTL: [400, 'ttlSeconds is out of range'],
  INVALID_CURSOR: [400, 'The cursor is not valid'],
  INVALID_LAYOUT: [400, 'The venue layout is not valid'],
  SECTION_NOT_SEATED: [400, 'Only seats of seated sections can be blocked'],
  INVALID_RELEASE_AT: [400, 'releaseAt must be a future time, and only an allocation has one'],
  // Answered by the HTTP layer before any route runs (see clientErrorHandler in error-handler.ts).
  MALFORMED_REQUEST: [400, 'The request is not well-formed HTTP/1.1'],
  UNAUTHORIZED: [401, 'A valid admin bearer token is required'],
  HOLD_TOKEN_REQUIRED: [401, 'The Hold-Token header is required'],
  IDENTITY_REQUIRED: [401, 'An identity token (Authorization: Bearer <JWT>) is required to take a hold'],
  IDENTITY_INVALID: [401, 'The identity token is not valid'],
  HOLD_TOKEN_INVALID: [403, 'The Hold-Token does not match this hold'],
  HOLDER_MISMATCH: [403, "holder differs from the identity token's subject"],
  NOT_FOUND: [404, 'No such route'],
  EVENT_NOT_FOUND: [404, 'No such event'],
  HOLD_NOT_FOUND: [404, 'No such hold'],
  RESERVATION_NOT_FOUND: [404, 'No such reservation'],
  BLOCK_NOT_FOUND: [404, 'No such block'],
  REQUEST_TIMEOUT: [408, 'The request was not received in time'],
  EVENT_EXISTS: [409, 'An event with this id exists'],
  SEAT_UNAVAILABLE: [409, 'Some seats are not available'],
  INSUFFICIENT_CAPACITY: [409, 'Not enough units are available in the section'],
  HOLDER_LIMIT_EXCEEDED: [409, 'The holder would exceed the seats allowed per holder'],
  NO_SEATS_TOGETHER: [
    409,
    'No block of that many seats together is available (details.largest: the most there is)',
  ],
  SALES_NOT_OPEN: [409, "The event's sales have not opened yet"],
  SALES_CLOSED: [409, "The event's sales are closed"],
  PRICES_LOCKED: [409, 'Prices change only while nothing of the event is sold'],
  EVENT_ARCHIVED: [409, 'The event is archived: it sells nothing and changes no more'],
  EVENT_NOT_ENDED: [
    409,
    'The event is not over: archive it once its start has passed or its sales have ended or been closed',
  ],
  EVENT_BUSY: [
    409,
    'Holds, confirms in flight or change streams still live in the event, retry once they end',
  ],
  EVENT_HAS_SALES: [409, 'The event has reservations: only an event that never sold may be deleted'],
  SEATS_NOT_BLOCKABLE: [409, 'Some seats are held, sold or blocked already: nothing was blocked'],
  HOLD_CONFIRMED: [409, 'The hold is already confirmed'],
  HOLD_CONFIRMING: [409, 'The hold is being confirmed'],
  HOLD_EXPIRED: [410, 'The hold has expired'],
  HOLD_RELEASED: [410, 'The hold was released'],
  PAYLOAD_TOO_LARGE: [
    413,
    'The body is larger than this route accepts (64 KiB; ADMIN_BODY_LIMIT_BYTES on admin routes)',
  ],
  UNSUPPORTED_MEDIA_TYPE: [415, 'The body must be application/json'],
  UNKNOWN_SECTION: [422, 'The event has no such section'],
  UNKNOWN_SEAT: [422, 'The section has no such seat'],
  WRONG_ITEM_KIND: [422, 'Seats are for seated sections, quantity for general admission'],
  NOT_IN_ROWS: [422, 'Seats together are picked only in seated sections given as rows'],
  IDEMPOTENCY_KEY_REUSED: [422, 'The Idempotency-Key was used with a different request'],
  RATE_LIMITED: [429, 'Too many requests, retry after the time in Retry-After'],
  HEADERS_TOO_LARGE: [431, 'The request headers are too large'],
  INTERNAL_ERROR: [500, 'Internal error'],
  REDIS_UNAVAILABLE: [503, 'The hold store is unavailable, retry shortly'],
  LEDGER_UNAVAILABLE: [503, 'The ledger is unavailable, retry shortly'],
  EVENT_LOADING: [503, 'The event is being restored from the ledger, retry shortly'],
  IDENTITY_UNAVAILABLE: [503, "The identity provider's keys could not be fetched, retry shortly"],
  TOO_MANY_STREAMS: [503, 'This instance serves as many change streams as it allows, retry shortly'],
} as const satisfies Record<string, readonly [number, string]>

export type ErrorCode = keyof typeof ERRORS

export interface ApiError extends FastifyError {
  code: ErrorCode
  statusCode: number
  details?: Record<string, unknown>
  /** Seconds for the Retry-After header of a 429 (a 503 always gets RETRY_AFTER_S). */
  retryAfterS?: number
}

const constructors = Object.fromEntries(
  Object.entries(ERRORS).map(([code, [status, message]]) => [code, createError(code, message, status)]),
) as Record<ErrorCode, ReturnType<typeof createError>>

export function apiError(code: ErrorCode, details?: Record<string, unknown>, message?: string): ApiError {
  let error: ApiError
  if (ERRORS[code][0] < 500) {
    // A refusal is an answer, not a fault: its stack is never logged or shown, and capturing one was the
    // costliest step of refusing a hold in a flash sale.
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    try {
      error = new constructors[code]() as ApiError
    } finally {
      Error.stackTraceLimit = limit
    }
  } else {
    error = new constructors[code]() as ApiError
  }
  if (message !== undefined) error.message = message
  if (details !== undefined) error.details = details
  return error
}

export function isApiError(error: unknown): error is ApiError {
  const code = (error as { code?: unknown } | null)?.code
  return error instanceof Error && typeof code === 'string' && code in ERRORS
}

/** Seconds a client should wait before retrying a 503. */
export const RETRY_AFTER_S = 1
