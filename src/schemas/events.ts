import { Type } from 'typebox'
import type { Static } from 'typebox'
import { CATEGORY_ID_PATTERN } from '../domain/event.js'
import { EventId, Identifier } from './common.js'

const Name = Type.String({ minLength: 1, maxLength: 200 })
const Price = Type.Integer({ minimum: 0, maximum: 100_000_000, description: 'Minor units of the currency' })

/** Seats of a row: "1-50", "1-10,12,14-20" (comma-separated seats and inclusive ranges) or a list. */
function seatList(description: string) {
  return Type.Union(
    [
      Type.String({
        pattern: '^[A-Za-z0-9_., -]{1,1000000}$',
        description:
          'Comma-separated seats and inclusive ranges of whole numbers, e.g. "1-10,12,14-20" ("50-1" runs ' +
          'backwards, "01-12" keeps its zeros)',
      }),
      Type.Array(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$' }), {
        maxItems: 100_000,
        description: 'Seats in row order, each taken literally (the way to name a seat with "-")',
      }),
    ],
    { description },
  )
}

const categoryId = (description: string) => Type.String({ pattern: CATEGORY_ID_PATTERN, description })

export const SeatRowInput = Type.Object(
  {
    row: Type.String({
      ...Identifier,
      description: 'Row name; a seat\'s label is "<row>-<seat>", e.g. "A-12"',
    }),
    seats: seatList('The seats of the row in adjacency order'),
    accessible: Type.Optional(seatList('Wheelchair spaces among the seats of the row')),
    companions: Type.Optional(seatList('Companion seats of wheelchair spaces among the seats of the row')),
    category: Type.Optional(
      categoryId("The price category of the row's seats (a key of the event's `categories`)"),
    ),
    seatCategories: Type.Optional(
      Type.Record(categoryId("A key of the event's `categories`"), seatList('Seats of the row'), {
        additionalProperties: false,
        maxProperties: 100,
        description: "Category id → seats of this row that take it instead of the row's category",
      }),
    ),
  },
  { additionalProperties: false },
)

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
      rows: Type.Array(SeatRowInput, {
        minItems: 1,
        maxItems: 100_000,
        description: 'A seated section as rows of seats (1-100,000 seats in all); labels are "<row>-<seat>"',
      }),
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

const Categories = Type.Record(categoryId('A category id (no ".")'), Price, {
  additionalProperties: false,
  maxProperties: 100,
  description: "Price categories: a seat of a category costs its price instead of its section's",
})

/** The lone-seat rule of best-available picks (README: best available). */
export const LoneSeats = Type.Union([Type.Literal('strict'), Type.Literal('soft'), Type.Literal('off')], {
  description:
    'What a best-available pick may leave as a lone seat (one free seat between taken seats or at a row edge): ' +
    'strict never, soft only when no other block fits (the default), off ignores them',
})

export const CreateEventBody = Type.Object(
  {
    id: Type.Optional(Identifier),
    name: Name,
    startsAt: Type.Optional(Type.String({ format: 'date-time' })),
    salesOpenAt: Type.Optional(
      Type.String({ format: 'date-time', description: 'Holds are refused before it (409 SALES_NOT_OPEN)' }),
    ),
    salesCloseAt: Type.Optional(
      Type.String({ format: 'date-time', description: 'Holds are refused from it on (409 SALES_CLOSED)' }),
    ),
    currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217, default USD' })),
    categories: Type.Optional(Categories),
    loneSeats: Type.Optional(LoneSeats),
    sections: Type.Array(SectionInput, { minItems: 1, maxItems: 100 }),
  },
  {
    additionalProperties: false,
    examples: [
      {
        id: 'arena-2026-12-01',
        name: 'Arena concert',
        startsAt: '2026-12-01T19:00:00Z',
        salesOpenAt: '2026-09-01T09:00:00Z',
        salesCloseAt: '2026-12-01T18:00:00Z',
        currency: 'EUR',
        categories: { P1: 9900 },
        sections: [
          {
            id: 'block-101',
            name: 'Block 101',
            price: 4900,
            rows: [
              { row: 'A', seats: '1-20', accessible: '1,20', companions: '2,19', category: 'P1' },
              { row: 'B', seats: '1-10,12,14-20', seatCategories: { P1: '9-10,12' } },
            ],
          },
          { id: 'vip', name: 'VIP', price: 15000, seats: ['V1', 'V2', 'V3'] },
          { id: 'floor', name: 'Floor', price: 3900, capacity: 2000 },
        ],
      },
    ],
  },
)
export type CreateEventBody = Static<typeof CreateEventBody>

const OptionalTime = (description: string) =>
  Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description }))

export const UpdateEventBody = Type.Object(
  {
    name: Type.Optional(Name),
    startsAt: OptionalTime('null: no start time'),
    salesOpenAt: OptionalTime('null: on sale without an opening time'),
    salesCloseAt: OptionalTime('null: on sale until closed by hand'),
    prices: Type.Optional(
      Type.Object(
        {
          sections: Type.Optional(
            Type.Record(Identifier, Price, { maxProperties: 100, description: 'Section id → new price' }),
          ),
          categories: Type.Optional(
            Type.Record(categoryId('A category id of the event'), Price, {
              maxProperties: 100,
              description: 'Category id → new price',
            }),
          ),
        },
        {
          additionalProperties: false,
          description: 'New prices, only while nothing is sold (else 409 PRICES_LOCKED)',
        },
      ),
    ),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    examples: [
      {
        name: 'Arena concert (second night)',
        startsAt: '2026-12-02T19:00:00Z',
        salesCloseAt: '2026-12-02T18:00:00Z',
        prices: { sections: { floor: 4500 }, categories: { P1: 10900 } },
      },
    ],
  },
)
export type UpdateEventBody = Static<typeof UpdateEventBody>

export const SectionView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: Type.Union([Type.Literal('seated'), Type.Literal('ga')]),
  price: Type.Integer(),
  capacity: Type.Integer(),
  available: Type.Integer({ description: 'capacity - held - sold - blocked' }),
  held: Type.Integer(),
  sold: Type.Integer(),
  blocked: Type.Integer({ description: "Seats held back by an admin's blocks (0 in general admission)" }),
  rows: Type.Optional(Type.Array(SeatRowInput, { description: 'The rows as they were given at creation' })),
})

const EventStatus = Type.Union([Type.Literal('active'), Type.Literal('archived')], {
  description:
    'active: the sales window and a close by hand decide what sells; archived (final): sells nothing, ' +
    'changes no more, counts and seats read from the ledger, reservations readable and cancellable',
})

export const EventView = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    startsAt: Type.Union([Type.String(), Type.Null()]),
    currency: Type.String(),
    categories: Type.Optional(Categories),
    salesOpenAt: Type.Union([Type.String(), Type.Null()], { description: 'null: on sale from creation' }),
    salesCloseAt: Type.Union([Type.String(), Type.Null()], { description: 'null: until closed by hand' }),
    salesClosed: Type.Boolean({ description: 'Sales closed by an admin, whatever the window says' }),
    status: EventStatus,
    archivedAt: Type.Union([Type.String(), Type.Null()], { description: 'When archived; null while active' }),
    loneSeats: Type.Optional(LoneSeats),
    sections: Type.Array(SectionView),
  },
  { $id: 'Event' },
)
export type EventView = Static<typeof EventView>

export const EventParams = Type.Object({ eventId: EventId })

const SalesStateSchema = Type.Union(
  [
    Type.Literal('on-sale'),
    Type.Literal('not-yet-open'),
    Type.Literal('ended'),
    Type.Literal('closed'),
    Type.Literal('archived'),
  ],
  {
    description:
      'Where the sale stands now: archived, else closed by hand, else not yet open (before salesOpenAt), ' +
      'ended (from salesCloseAt on) or on sale',
  },
)

export const EventListQuery = Type.Object(
  {
    status: Type.Optional(SalesStateSchema),
    startsFrom: Type.Optional(
      Type.String({ format: 'date-time', description: 'Events starting at or after this time' }),
    ),
    startsBefore: Type.Optional(
      Type.String({ format: 'date-time', description: 'Events starting before this time' }),
    ),
    limit: Type.Optional(Type.String({ pattern: '^(100|[1-9][0-9]?)$', description: '1-100, default 20' })),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: false },
)
export type EventListQuery = Static<typeof EventListQuery>

export const EventSummaryView = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    startsAt: Type.Union([Type.String(), Type.Null()]),
    currency: Type.String(),
    salesOpenAt: Type.Union([Type.String(), Type.Null()]),
    salesCloseAt: Type.Union([Type.String(), Type.Null()]),
    salesClosed: Type.Boolean(),
    salesState: SalesStateSchema,
    status: EventStatus,
    archivedAt: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String(),
  },
  { $id: 'EventSummary' },
)
export type EventSummaryView = Static<typeof EventSummaryView>

export const EventListView = Type.Object({
  items: Type.Array(Type.Ref('EventSummary')),
  nextCursor: Type.Union([Type.String(), Type.Null()], {
    description: 'Pass as `cursor` for the next page; null on the last',
  }),
})
export type EventListView = Static<typeof EventListView>

export const SeatsQuery = Type.Object({ section: Type.Optional(Identifier) }, { additionalProperties: false })

const SeatStatus = Type.Union(
  [Type.Literal('available'), Type.Literal('held'), Type.Literal('sold'), Type.Literal('blocked')],
  { description: "blocked: held back by an admin's block, not available to anyone until it ends" },
)

export const SeatsView = Type.Object({
  sections: Type.Array(
    Type.Object({
      id: Type.String(),
      seats: Type.Array(Type.Object({ seat: Type.String(), status: SeatStatus })),
    }),
  ),
})
export type SeatsView = Static<typeof SeatsView>

const Counts = Type.Array(Type.Integer())

export const SeatMapView = Type.Object(
  {
    sections: Type.Array(
      Type.Object({
        id: Type.String(),
        capacity: Type.Integer(),
        available: Type.Integer(),
        held: Type.Integer(),
        sold: Type.Integer(),
        blocked: Type.Integer(),
        status: Type.String({
          description:
            "One character per seat in layout order (the section's rows, each in its order; or its list of " +
            'seats): "a" available, "h" held, "s" sold, "b" blocked. Treat any other character as not ' +
            'available.',
          examples: ['aaahhsaaaa'],
        }),
        accessible: Type.Array(Type.Integer(), { description: 'Positions in `status` of wheelchair spaces' }),
        companions: Type.Array(Type.Integer(), {
          description: 'Positions in `status` of companion seats of wheelchair spaces',
        }),
        rows: Type.Optional(
          Type.Object(
            {
              names: Type.Array(Type.String()),
              seats: Counts,
              available: Counts,
              held: Counts,
              sold: Counts,
              blocked: Counts,
            },
            {
              description:
                'Counts per row of a section given as rows, as parallel arrays: row i is names[i] with ' +
                'seats[i] seats, the next seats[i] characters of `status`',
            },
          ),
        ),
      }),
    ),
  },
  { $id: 'SeatMap' },
)
export type SeatMapView = Static<typeof SeatMapView>
