import { Type } from 'typebox'
import type { Static } from 'typebox'
import { EventId, Identifier, Timestamp } from './common.js'

/** Seats in one block at most: its scripts stay as short as a hold's reclaim batch. */
export const MAX_SEATS_PER_BLOCK = 1000

const BlockSeat = Type.Object(
  { section: Identifier, seat: Identifier },
  { additionalProperties: false, description: 'A seat of a seated section' },
)

export const CreateBlockBody = Type.Object(
  {
    seats: Type.Array(BlockSeat, {
      minItems: 1,
      maxItems: MAX_SEATS_PER_BLOCK,
      description: 'Seats of seated sections (general admission cannot be blocked), each once',
    }),
    reason: Type.String({ minLength: 1, maxLength: 200, description: 'Why they are held back' }),
    allocation: Type.Optional(
      Type.String({
        ...Identifier,
        description: 'Makes the block a named allocation (e.g. "accessible", "press")',
      }),
    ),
    releaseAt: Type.Optional(
      Type.String({
        format: 'date-time',
        description:
          "An allocation's seats go back on sale by themselves within a second of this time (in the " +
          'future; only with `allocation`)',
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        seats: [
          { section: 'block-101', seat: 'A-1' },
          { section: 'block-101', seat: 'A-2' },
        ],
        reason: 'Wheelchair spaces and companions until two weeks before the show',
        allocation: 'accessible',
        releaseAt: '2026-11-17T09:00:00Z',
      },
    ],
  },
)
export type CreateBlockBody = Static<typeof CreateBlockBody>

export const BlockView = Type.Object(
  {
    id: Type.String(),
    eventId: Type.String(),
    reason: Type.String(),
    allocation: Type.Union([Type.String(), Type.Null()], { description: 'null: a plain block' }),
    releaseAt: Type.Union([Timestamp, Type.Null()], { description: 'null: held back until unblocked' }),
    seats: Type.Array(BlockSeat),
    createdAt: Timestamp,
    status: Type.Union([Type.Literal('active'), Type.Literal('unblocked'), Type.Literal('released')], {
      description: 'active while it holds its seats; unblocked by an admin, or released at its time',
    }),
    endedAt: Type.Union([Timestamp, Type.Null()]),
  },
  { $id: 'Block' },
)
export type BlockView = Static<typeof BlockView>

export const BlockListView = Type.Object({
  items: Type.Array(Type.Ref('Block'), { description: 'Blocks holding seats, oldest first' }),
})
export type BlockListView = Static<typeof BlockListView>

export const BlockParams = Type.Object({
  eventId: EventId,
  blockId: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
})
