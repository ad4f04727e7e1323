import { Type } from 'typebox'
import type { TSchema } from 'typebox'
import { ERRORS, type ErrorCode } from '../errors.js'

/** Client-given identifiers (event, section, seat): they become part of Redis keys, so no braces or colons. */
export const IDENTIFIER = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'

export const Identifier = Type.String({
  pattern: IDENTIFIER,
  description: 'Letters, digits, "_", "." and "-"',
})

/** An event id in a path: the example is the demo event `npm start` creates, so "Try it out" works. */
export const EventId = Type.String({
  pattern: IDENTIFIER,
  description: 'Letters, digits, "_", "." and "-"',
  examples: ['demo'],
})

/**
 * The holder pattern published in the OpenAPI document: no control or invisible formatting characters,
 * written with plain \\u ranges so code generators for other languages (and JavaScript without the `u` flag)
 * accept it. The service checks the exact rule, Unicode's "Other" category, with `isPrintableHolder`.
 */
const HOLDER_PATTERN =
  '^[^\\u0000-\\u001F\\u007F-\\u009F\\u00AD\\u200B-\\u200F\\u2028-\\u202E\\u2060-\\u206F\\uFEFF]{1,128}$'

/** 1-128 printable characters (no control characters, no line breaks). */
export const Holder = Type.String({
  pattern: HOLDER_PATTERN,
  description: '1-128 printable characters',
  examples: ['user-123'],
})

const PRINTABLE = /^[^\p{C}]{1,128}$/u

/** The contract's rule for `holder`: 1-128 characters, none in Unicode's "Other" (C*) category. */
export function isPrintableHolder(holder: string): boolean {
  return PRINTABLE.test(holder)
}

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

/**
 * A hold request's item: seats, GA units, or the best seats together in a seated section given as rows,
 * picked when the hold is taken (the hold view then lists the seats chosen).
 */
export const RequestItem = Type.Union([
  ...Item.anyOf,
  Type.Object(
    {
      section: Identifier,
      quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
      together: Type.Literal(true, { description: 'The best block of `quantity` adjacent seats in one row' }),
      split: Type.Optional(
        Type.Boolean({ description: 'When no block of that many exists, accept two blocks (a row or two)' }),
      ),
      wheelchairs: Type.Optional(
        Type.Integer({
          minimum: 1,
          maximum: 15,
          description:
            'Accessible: this many wheelchair spaces, the other seats of the block their companion seats',
        }),
      ),
    },
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

/**
 * Response schemas for a route's error codes, grouped by status, so the OpenAPI document lists every code
 * a route can answer with, as an enum a generated client can switch on. 400 (validation) and 500 are added
 * to every route by `errors()`.
 */
export function errors(...codes: ErrorCode[]): Record<number, TSchema> {
  const byStatus = new Map<number, string[]>()
  for (const code of ['INVALID_REQUEST', 'INTERNAL_ERROR', ...codes] as ErrorCode[]) {
    const status = ERRORS[code][0]
    const list = byStatus.get(status) ?? []
    if (!list.includes(code)) list.push(code)
    byStatus.set(status, list)
  }
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      status,
      Type.Object(
        {
          statusCode: Type.Integer({ enum: [status] }),
          code: Type.Unsafe<string>({ type: 'string', enum: list }),
          error: Type.String(),
          message: Type.String(),
          details: Type.Optional(Type.Object({}, { additionalProperties: true })),
        },
        { description: `Error codes: ${list.join(', ')}` },
      ),
    ]),
  )
}

export const NoContent = Type.Null({ description: 'No content' })
