import { Type } from 'typebox'
import type { Static } from 'typebox'
import { EventId, HoldId, Holder, Item, RequestItem, Timestamp } from './common.js'

const createHoldProperties = {
  holder: Holder,
  ttlSeconds: Type.Optional(
    Type.Integer({ description: '1 to HOLD_TTL_MAX_S; HOLD_TTL_DEFAULT_S when absent', examples: [600] }),
  ),
  items: Type.Array(RequestItem, { minItems: 1, maxItems: 100 }),
}

export const CreateHoldBody = Type.Object(
  {
    holder: Holder,
    ttlSeconds: Type.Optional(
      Type.Integer({ description: '1 to HOLD_TTL_MAX_S; HOLD_TTL_DEFAULT_S when absent', examples: [600] }),
    ),
    items: Type.Array(RequestItem, { minItems: 1, maxItems: 100 }),
  },
  {
    additionalProperties: false,
    // Works as is against the demo event `npm start` creates (event id "demo").
    examples: [
      {
        holder: 'user-123',
        ttlSeconds: 600,
        items: [
          { section: 'stalls', seats: ['A1', 'A2'] },
          { section: 'standing', quantity: 2 },
        ],
      },
    ],
  },
)
export type CreateHoldBody = Static<typeof CreateHoldBody>

/**
 * The body when holders are verified (HOLDER_JWT_SECRET / HOLDER_JWKS_URL): `holder` may be left out, as
 * the identity token's subject names it; if given it must be that subject.
 */
export const CreateHoldBodyVerified = Type.Object(
  {
    ...createHoldProperties,
    holder: Type.Optional(
      Type.String({
        ...Holder,
        description: "Optional: the identity token's subject is the holder; if given, it must equal it",
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        ttlSeconds: 600,
        items: [
          { section: 'stalls', seats: ['A1', 'A2'] },
          { section: 'standing', quantity: 2 },
        ],
      },
    ],
  },
)

export const CreateHoldHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
})

export const ExtendHoldBody = Type.Object(
  { ttlSeconds: Type.Integer({ examples: [300] }) },
  { additionalProperties: false },
)

export const ConfirmHoldBody = Type.Union([
  Type.Object(
    { paymentRef: Type.Optional(Type.String({ minLength: 1, maxLength: 128, examples: ['pay_123'] })) },
    { additionalProperties: false },
  ),
  Type.Null(),
])

export const HoldParams = Type.Object({ eventId: EventId, holdId: HoldId })
export const HolderParams = Type.Object({ eventId: EventId, holder: Holder })

export const HoldStatus = Type.Union([
  Type.Literal('held'),
  Type.Literal('confirming'),
  Type.Literal('confirmed'),
])

export const HoldView = Type.Object(
  {
    id: Type.String(),
    token: Type.Optional(
      Type.String({ description: 'The hold secret; shown only when the hold is created' }),
    ),
    eventId: Type.String(),
    holder: Type.String(),
    status: HoldStatus,
    items: Type.Array(Item),
    expiresAt: Timestamp,
    createdAt: Timestamp,
    ttlMs: Type.Optional(Type.Integer({ description: 'Milliseconds until expiry, on reads' })),
    reservationId: Type.Optional(Type.String({ description: 'Present once confirmed' })),
  },
  { $id: 'Hold' },
)
export type HoldView = Static<typeof HoldView>

export const ReleasedCount = Type.Object({ released: Type.Integer() })
export const HoldTokenHeader = Type.Object({ 'hold-token': Type.Optional(Type.String()) })
