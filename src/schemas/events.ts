import { Type } from 'typebox'
import type { Static } from 'typebox'
import { EventId, Identifier } from './common.js'

const Name = Type.String({ minLength: 1, maxLength: 200 })
const Price = Type.Integer({ minimum: 0, maximum: 100_000_000, description: 'Minor units of the currency' })

export const SectionInput = Type.Union([
  Type.Object(
    {
      id: Type.Optional(Identifier),
      name: Name,
      price: Price,
      seats: Type.Array(Identifier, { minItems: 1, maxItems: 100_000, description: 'Seat labels, unique' }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      id: Type.Optional(Identifier),
      name: Name,
      price: Price,
      capacity: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'General admission units' }),
    },
    { additionalProperties: false },
  ),
])

export const CreateEventBody = Type.Object(
  {
    id: Type.Optional(Identifier),
    name: Name,
    startsAt: Type.Optional(Type.String({ format: 'date-time' })),
    currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217, default USD' })),
    sections: Type.Array(SectionInput, { minItems: 1, maxItems: 100 }),
  },
  { additionalProperties: false },
)
export type CreateEventBody = Static<typeof CreateEventBody>

export const SectionView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: Type.Union([Type.Literal('seated'), Type.Literal('ga')]),
  price: Type.Integer(),
  capacity: Type.Integer(),
  available: Type.Integer(),
  held: Type.Integer(),
  sold: Type.Integer(),
})

export const EventView = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    startsAt: Type.Union([Type.String(), Type.Null()]),
    currency: Type.String(),
    sections: Type.Array(SectionView),
  },
  { $id: 'Event' },
)
export type EventView = Static<typeof EventView>

export const EventParams = Type.Object({ eventId: EventId })

export const SeatsQuery = Type.Object({ section: Type.Optional(Identifier) }, { additionalProperties: false })

const SeatStatus = Type.Union([Type.Literal('available'), Type.Literal('held'), Type.Literal('sold')])

export const SeatsView = Type.Object({
  sections: Type.Array(
    Type.Object({
      id: Type.String(),
      seats: Type.Array(Type.Object({ seat: Type.String(), status: SeatStatus })),
    }),
  ),
})
export type SeatsView = Static<typeof SeatsView>
