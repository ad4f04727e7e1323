/** The MongoDB ledger's documents: their shapes, schemas, indexes and models. */
import mongoose from 'mongoose'
import { LONE_SEAT_RULES } from '../domain/seating.js'
import type { LoneSeatRule } from '../domain/seating.js'
import type { Connection, Model } from 'mongoose'
import type { SectionKind } from '../domain/event.js'
import type { ReservationStatus } from '../domain/reservation.js'
import type { BlockEnd, BlockedSeat } from '../domain/seat-block.js'
import type { SeatRow } from '../domain/venue-layout.js'
import { defineSectionCountModel } from './mongo-counts.js'
import type { SectionCountDoc } from './mongo-counts.js'

export interface SectionMeta {
  id: string
  name: string
  kind: SectionKind
  price: number
  capacity: number
}

export interface SalesDoc {
  openAt: Date | null
  closeAt: Date | null
  closed: boolean
}

export interface EventDoc {
  _id: string
  name: string
  startsAt: Date | null
  currency: string
  createdAt: Date
  /** Price categories (id → price); absent when the event has none. Ids have no "." (a path in MongoDB). */
  categories?: Record<string, number>
  /** Raised by every admin change; absent until the first. */
  revision?: number
  /** The sales window; absent on an event created without one (always on sale). */
  sales?: SalesDoc
  /** The lone-seat rule of best-available picks; absent: the default. */
  loneSeats?: LoneSeatRule
  /** Section definitions without seat labels (those live in seatmaps: one document per section). */
  sections: SectionMeta[]
  /** When the event was archived; absent (or null) while it is active. */
  archivedAt?: Date | null
}

/** One section's fixed facts; its live count is spread over shard documents (mongo-counts.ts). */
export interface SectionDoc {
  _id: string
  eventId: string
  sectionId: string
  position: number
  kind: SectionKind
  capacity: number
  /** How many count shards the section has; absent on a section written before shards (migrated at init). */
  shards?: number
  /** The single count of a section written before shards; removed when it is migrated. */
  remaining?: number
}

/**
 * Seat labels of one seated section, kept apart from the (hot, often updated) section count and from the
 * event document so that 100 sections of 100,000 labels never approach the 16 MB document limit.
 */
export interface SeatMapDoc {
  _id: string
  eventId: string
  sectionId: string
  seats: string[]
  /** The rows the section was given as, when it was (seats holds their labels). */
  rows?: SeatRow[]
}

export interface ItemDoc {
  section: string
  seats?: string[]
  quantity?: number
}

export interface ReservationDoc {
  _id: string
  holdId: string
  eventId: string
  holder: string
  items: ItemDoc[]
  amount: number
  currency: string
  status: ReservationStatus
  paymentRef: string | null
  tokenHash: string
  createdAt: Date
  cancelledAt: Date | null
}

export interface SoldSeatDoc {
  eventId: string
  section: string
  seat: string
  reservationId: string
}

/** One seat block (see domain/seat-block.ts); _id is sectionKey(eventId, blockId). Ended ones are kept. */
export interface BlockDoc {
  _id: string
  eventId: string
  blockId: string
  reason: string
  allocation: string | null
  releaseAt: Date | null
  seats: BlockedSeat[]
  createdAt: Date
  ended: BlockEnd | null
  endedAt: Date | null
}

/** One seat a block holds, unique per event+section+seat (no seat in two blocks); removed when it ends. */
export interface BlockedSeatDoc {
  eventId: string
  section: string
  seat: string
  blockId: string
}

export interface Models {
  Event: Model<EventDoc>
  Section: Model<SectionDoc>
  SectionCount: Model<SectionCountDoc>
  SeatMap: Model<SeatMapDoc>
  Reservation: Model<ReservationDoc>
  SoldSeat: Model<SoldSeatDoc>
  Block: Model<BlockDoc>
  BlockedSeat: Model<BlockedSeatDoc>
}

const schemaOptions = { strict: true, versionKey: false, autoIndex: false, autoCreate: false } as const

export function defineModels(conn: Connection): Models {
  const { Schema } = mongoose

  const sectionMetaSchema = new Schema<SectionMeta>(
    {
      id: { type: String, required: true },
      name: { type: String },
      kind: { type: String, enum: ['seated', 'ga'], required: true },
      price: { type: Number, required: true },
      capacity: { type: Number, required: true, min: 1 },
    },
    { _id: false, id: false, strict: true },
  )
  const salesSchema = new Schema<SalesDoc>(
    {
      openAt: { type: Date, default: null },
      closeAt: { type: Date, default: null },
      closed: { type: Boolean, required: true },
    },
    { _id: false, id: false, strict: true },
  )
  const eventSchema = new Schema<EventDoc>(
    {
      _id: { type: String, required: true },
      name: { type: String },
      startsAt: { type: Date, default: null },
      currency: { type: String, required: true },
      createdAt: { type: Date, required: true },
      categories: { type: Schema.Types.Mixed, default: undefined },
      sections: { type: [sectionMetaSchema], required: true },
      sales: { type: salesSchema, default: undefined },
      revision: { type: Number, default: undefined },
      archivedAt: { type: Date, default: undefined },
      loneSeats: { type: String, enum: LONE_SEAT_RULES, default: undefined },
    },
    { ...schemaOptions, collection: 'events' },
  )
  // The listing: active (archivedAt null or absent) or archived events, in its order (migration 3).
  eventSchema.index({ archivedAt: 1, startsAt: 1, _id: 1 }, { name: 'archived_start' })

  const sectionSchema = new Schema<SectionDoc>(
    {
      _id: { type: String, required: true },
      eventId: { type: String, required: true },
      sectionId: { type: String, required: true },
      position: { type: Number, required: true },
      kind: { type: String, enum: ['seated', 'ga'], required: true },
      capacity: { type: Number, required: true, min: 1 },
      shards: { type: Number, min: 1 },
      remaining: { type: Number, min: 0 },
    },
    { ...schemaOptions, collection: 'sections' },
  )
  sectionSchema.index({ eventId: 1, position: 1 }, { name: 'event_position' })

  const seatMapSchema = new Schema<SeatMapDoc>(
    {
      _id: { type: String, required: true },
      eventId: { type: String, required: true },
      sectionId: { type: String, required: true },
      seats: { type: [String], required: true },
      rows: { type: Schema.Types.Mixed, default: undefined },
    },
    { ...schemaOptions, collection: 'seatmaps' },
  )
  seatMapSchema.index({ eventId: 1 }, { name: 'event' })

  const itemSchema = new Schema<ItemDoc>(
    {
      section: { type: String, required: true },
      seats: { type: [String], default: undefined },
      quantity: { type: Number },
    },
    { _id: false, id: false, strict: true },
  )
  const reservationSchema = new Schema<ReservationDoc>(
    {
      _id: { type: String, required: true },
      holdId: { type: String, required: true },
      eventId: { type: String, required: true },
      holder: { type: String, required: true },
      items: { type: [itemSchema], required: true },
      amount: { type: Number, required: true, min: 0 },
      currency: { type: String, required: true },
      status: { type: String, enum: ['confirmed', 'cancelled', 'voided'], required: true },
      paymentRef: { type: String, default: null },
      tokenHash: { type: String, required: true },
      createdAt: { type: Date, required: true },
      cancelledAt: { type: Date, default: null },
    },
    { ...schemaOptions, collection: 'reservations' },
  )
  reservationSchema.index({ holdId: 1 }, { unique: true, name: 'holdId_unique' })
  reservationSchema.index({ eventId: 1, status: 1, createdAt: -1, _id: -1 }, { name: 'event_status_created' })

  const soldSeatSchema = new Schema<SoldSeatDoc>(
    {
      eventId: { type: String, required: true },
      section: { type: String, required: true },
      seat: { type: String, required: true },
      reservationId: { type: String, required: true },
    },
    { ...schemaOptions, collection: 'soldseats' },
  )
  soldSeatSchema.index(
    { eventId: 1, section: 1, seat: 1 },
    { unique: true, name: 'event_section_seat_unique' },
  )
  soldSeatSchema.index({ reservationId: 1 }, { name: 'reservation' })

  const blockedSeatEntry = new Schema<BlockedSeat>(
    { section: { type: String, required: true }, seat: { type: String, required: true } },
    { _id: false, id: false, strict: true },
  )
  const blockSchema = new Schema<BlockDoc>(
    {
      _id: { type: String, required: true },
      eventId: { type: String, required: true },
      blockId: { type: String, required: true },
      reason: { type: String, required: true },
      allocation: { type: String, default: null },
      releaseAt: { type: Date, default: null },
      seats: { type: [blockedSeatEntry], required: true },
      createdAt: { type: Date, required: true },
      ended: { type: String, enum: ['unblocked', 'released'], default: null },
      endedAt: { type: Date, default: null },
    },
    { ...schemaOptions, collection: 'blocks' },
  )
  blockSchema.index({ eventId: 1, ended: 1, createdAt: 1 }, { name: 'event_open' })
  // The release job's query: blocks not ended whose release time has come.
  blockSchema.index({ ended: 1, releaseAt: 1 }, { name: 'due_releases' })

  const blockedSeatSchema = new Schema<BlockedSeatDoc>(
    {
      eventId: { type: String, required: true },
      section: { type: String, required: true },
      seat: { type: String, required: true },
      blockId: { type: String, required: true },
    },
    { ...schemaOptions, collection: 'blockedseats' },
  )
  blockedSeatSchema.index(
    { eventId: 1, section: 1, seat: 1 },
    { unique: true, name: 'event_section_seat_unique' },
  )
  blockedSeatSchema.index({ eventId: 1, blockId: 1 }, { name: 'event_block' })

  return {
    Event: conn.model<EventDoc>('Event', eventSchema),
    Section: conn.model<SectionDoc>('Section', sectionSchema),
    SectionCount: defineSectionCountModel(conn),
    SeatMap: conn.model<SeatMapDoc>('SeatMap', seatMapSchema),
    Reservation: conn.model<ReservationDoc>('Reservation', reservationSchema),
    SoldSeat: conn.model<SoldSeatDoc>('SoldSeat', soldSeatSchema),
    Block: conn.model<BlockDoc>('Block', blockSchema),
    BlockedSeat: conn.model<BlockedSeatDoc>('BlockedSeat', blockedSeatSchema),
  }
}

/** Section document id; NUL cannot appear in an identifier, so the pair is unambiguous. */
export function sectionKey(eventId: string, sectionId: string): string {
  return `${eventId}\u0000${sectionId}`
}
