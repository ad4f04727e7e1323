import { Type } from 'typebox'
import type { Static } from 'typebox'
import { EventId, Item, ReservationId, Timestamp } from './common.js'

export const ReservationView = Type.Object(
  {
    id: Type.String(),
    holdId: Type.String(),
    eventId: Type.String(),
    holder: Type.String(),
    items: Type.Array(Item),
    amount: Type.Integer({ description: 'Minor units' }),
    currency: Type.String(),
    status: Type.Union([Type.Literal('confirmed'), Type.Literal('cancelled')]),
    paymentRef: Type.Union([Type.String(), Type.Null()]),
    createdAt: Timestamp,
  },
  { $id: 'Reservation' },
)
export type ReservationView = Static<typeof ReservationView>

export const ReservationParams = Type.Object({ eventId: EventId, reservationId: ReservationId })

export const ReservationListQuery = Type.Object(
  {
    limit: Type.Optional(Type.String({ pattern: '^(100|[1-9][0-9]?)$', description: '1-100, default 20' })),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: false },
)

export const ReservationPage = Type.Object({
  items: Type.Array(Type.Ref('Reservation')),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
})
