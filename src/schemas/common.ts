import { Type } from 'typebox'
import type { TSchema } from 'typebox'
import { ERRORS, type ErrorCode } from '../errors.js'

/** Client-given identifiers (event, section, seat): they become part of Redis keys, so no braces or colons. */
export const IDENTIFIER = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'

export const Identifier = Type.String({
  pattern: IDENTIFIER,
  description: 'Letters, digits, "_", "." and "-"',
})

/** 1-128 printable characters (no control characters, no line breaks). */
export const Holder = Type.String({
  pattern: '^[^\\p{C}]{1,128}$',
  description: '1-128 printable characters',
})

/** Server-generated hold ids: 22 base64url characters. */
export const HoldId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })

export const ReservationId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' })

export const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601, UTC' })

export const Item = Type.Union([
  Type.Object(
    { section: Identifier, seats: Type.Array(Identifier, { minItems: 1, maxItems: 1000 }) },
    { additionalProperties: false },
  ),
  Type.Object(
    { section: Identifier, quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }) },
    { additionalProperties: false },
  ),
])

export const ErrorBody = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.String(),
    error: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Object({}, { additionalProperties: true })),
  },
  { $id: 'Error' },
)

const ErrorRef = Type.Ref('Error')

/**
 * Response schemas for a route's error codes, grouped by status, so the OpenAPI document lists every code
 * a route can answer with. 400 (validation) and 503 (dependencies) are added to every route by `errors()`.
 */
export function errors(...codes: ErrorCode[]): Record<number, TSchema> {
  const byStatus = new Map<number, string[]>()
  for (const code of ['INVALID_REQUEST', 'INTERNAL_ERROR', ...codes] as ErrorCode[]) {
    const status = ERRORS[code][0]
    byStatus.set(status, [...(byStatus.get(status) ?? []), code])
  }
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      status,
      { ...ErrorRef, description: `Error codes: ${list.join(', ')}` },
    ]),
  )
}

export const NoContent = Type.Null({ description: 'No content' })
