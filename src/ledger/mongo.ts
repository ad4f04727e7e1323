/**
 * MongoDB ledger adapter (mongoose, replica set, multi-document transactions). The primary ledger.
 *
 * Guarantees come from unique indexes and guarded updates inside one snapshot transaction:
 * - one reservation per hold: unique index on reservations.holdId;
 * - one sale per seat: unique index on soldseats {eventId, section, seat};
 * - no overselling: sections.updateOne({ _id, remaining: { $gte: n } }, { $inc: { remaining: -n } }).
 * Duplicate-key errors are never caught inside a transaction: they abort it and are mapped outside.
 * Transactions run in our own bounded loop (mongo-transactions.ts); confirms live in mongo-confirm.ts.
 */
import type { ConnectOptions, mongo } from 'mongoose'
import { unitsBySection } from '../domain/confirm-plan.js'
import {
  EventArchivedError,
  EventExistsError,
  EventHasSalesError,
  PricesLockedError,
} from '../domain/errors.js'
import type { EventState, ListStatus } from '../domain/event-lifecycle.js'
import { applyChanges, pricesDiffer } from '../domain/event-changes.js'
import type { EventChanges } from '../domain/event-changes.js'
import { normalizeEvent, sectionFacts } from '../domain/event.js'
import type { EventDefinition, SectionDefinition } from '../domain/event.js'
import type { Reservation } from '../domain/reservation.js'
import type { BlockEnd, SeatBlock } from '../domain/seat-block.js'
import { ALWAYS_ON_SALE } from '../domain/sales-window.js'
import type { SalesWindow } from '../domain/sales-window.js'
import { compareStrings } from '../lib/compare.js'
import { decodeCursor, pageFrom, pageSize } from './common.js'
import * as blocks from './mongo-blocks.js'
import { decodeEventCursor, eventPageFrom } from './event-list.js'
import type { EventPage, EventQuery } from './event-list.js'
import { confirm, confirmBatch } from './mongo-confirm.js'
import {
  assertTransactionsSupported,
  createCollectionsAndIndexes,
  mongoConnectOptions,
} from './mongo-connection.js'
import type { MongoLedgerOptions } from './mongo-connection.js'
import { giveUnits, splitCount } from './mongo-counts.js'
import { isDuplicateKey, mapMongoError } from './mongo-errors.js'
import { salesDoc, toItem, toReservation, toSales } from './mongo-mapping.js'
import { MONGO_MIGRATIONS, migrateMongo } from './mongo-migrations.js'
import { sectionKey } from './mongo-models.js'
import type { EventDoc, ReservationDoc, SeatMapDoc, SectionDoc } from './mongo-models.js'
import { MongoStore, soldOf } from './mongo-store.js'
import { LedgerUnavailableError } from './port.js'
import type { ConfirmInput, ConfirmResult, Ledger, ReservationPage, SoldCounts, SoldState } from './port.js'

export type { MongoLedgerOptions } from './mongo-connection.js'

/** Required fields of a void document; it is never shown to anyone. */
const VOID_PLACEHOLDER = '(voided)'

/** Active events: archivedAt null or absent (an equality the listing index serves). */
const ACTIVE = { archivedAt: null }

/**
 * The listing's filter on status at `now`: archived events, or active ones whose sale stands so (see
 * salesState; a missing field is no limit).
 */
function mongoListStatus(state: ListStatus, now: Date): Record<string, unknown> {
  if (state === 'archived') return { archivedAt: { $type: 'date' } }
  return { ...ACTIVE, ...mongoSalesState(state, now) }
}

function mongoSalesState(state: Exclude<ListStatus, 'archived'>, now: Date): Record<string, unknown> {
  const notClosed = { 'sales.closed': { $ne: true } }
  const notYetOpen = { 'sales.openAt': { $gt: now } }
  const opened = { 'sales.openAt': { $not: { $gt: now } } }
  switch (state) {
    case 'closed':
      return { 'sales.closed': true }
    case 'not-yet-open':
      return { ...notClosed, ...notYetOpen }
    case 'ended':
      return { ...notClosed, ...opened, 'sales.closeAt': { $lte: now } }
    case 'on-sale':
      return { ...notClosed, ...opened, 'sales.closeAt': { $not: { $lte: now } } }
  }
}

export class MongoLedger implements Ledger {
  readonly kind = 'mongodb' as const
  private readonly store: MongoStore
  private readonly connectOptions: ConnectOptions
  private readonly onCommand: MongoLedgerOptions['onCommand']

  constructor(
    private readonly url: string,
    opts: MongoLedgerOptions = {},
  ) {
    this.connectOptions = mongoConnectOptions(opts)
    this.onCommand = opts.onCommand
    this.store = new MongoStore(opts.log ?? (() => undefined))
  }

  async init(): Promise<void> {
    if (this.store.closed) throw new LedgerUnavailableError('mongodb ledger is closed')
    if (!this.store.opened) {
      try {
        await this.store.conn.openUri(this.url, this.connectOptions)
        const onCommand = this.onCommand
        if (onCommand) {
          this.store.conn
            .getClient()
            .on('commandStarted', (event: mongo.CommandStartedEvent) =>
              onCommand(event.commandName, event.command),
            )
        }
      } catch (err) {
        throw mapMongoError(err)
      }
      this.store.opened = true
    }
    await this.store.run(async () => {
      await assertTransactionsSupported(this.store.conn, this.url)
      const db = this.store.conn.db
      if (db === undefined) throw new LedgerUnavailableError('mongodb: not connected')
      await migrateMongo(
        db,
        MONGO_MIGRATIONS,
        {
          createCollectionsAndIndexes: () => createCollectionsAndIndexes(this.store.m),
          migrateCounts: () => this.store.migrateCounts(),
          createEventIndexes: async () => {
            await this.store.m.Event.createIndexes()
          },
        },
        { log: this.store.log },
      )
    })
  }

  async ping(): Promise<void> {
    await this.store.run(async () => {
      const db = this.store.conn.db
      if (db === undefined) throw new LedgerUnavailableError('mongodb: not connected')
      await db.admin().command({ ping: 1 })
    })
  }

  async close(): Promise<void> {
    if (this.store.closed) return
    this.store.closed = true
    await this.store.conn
      .close()
      .catch((err: unknown) => this.store.log(`mongodb: error while closing: ${String(err)}`))
  }

  async createEvent(event: EventDefinition): Promise<void> {
    const def = normalizeEvent(event)
    const { Event, Section, SectionCount, SeatMap } = this.store.m
    const eventDoc: EventDoc = {
      _id: def.id,
      name: def.name,
      startsAt: def.startsAt === null ? null : new Date(def.startsAt),
      currency: def.currency,
      createdAt: new Date(def.createdAt),
      ...(def.categories === undefined ? {} : { categories: def.categories }),
      ...(def.sales === undefined ? {} : { sales: salesDoc(def.sales) }),
      ...(def.loneSeats === undefined ? {} : { loneSeats: def.loneSeats }),
      sections: def.sections.map((s) => ({
        id: s.id,
        name: s.name,
        kind: s.kind,
        price: s.price,
        capacity: s.capacity,
      })),
    }
    const countDocs = def.sections.flatMap((s) => splitCount(def.id, s.id, s.kind, s.capacity, s.capacity))
    const sectionDocs: SectionDoc[] = def.sections.map((s, position) => ({
      _id: sectionKey(def.id, s.id),
      eventId: def.id,
      sectionId: s.id,
      position,
      kind: s.kind,
      capacity: s.capacity,
      shards: countDocs.filter((c) => c.sectionId === s.id).length,
    }))
    const seatMaps: SeatMapDoc[] = def.sections.flatMap((s) =>
      s.kind === 'seated' && s.seats !== undefined
        ? [
            {
              _id: sectionKey(def.id, s.id),
              eventId: def.id,
              sectionId: s.id,
              seats: s.seats,
              ...(s.rows === undefined ? {} : { rows: s.rows }),
            },
          ]
        : [],
    )
    await this.store.run(async () => {
      const state = { step: 'event' as 'event' | 'rest' }
      try {
        await this.store.txn(async (session) => {
          state.step = 'event'
          await Event.create([eventDoc], { session })
          state.step = 'rest'
          await Section.insertMany(sectionDocs, { session, ordered: true })
          await SectionCount.insertMany(countDocs, { session, ordered: true, lean: true })
          if (seatMaps.length > 0) await SeatMap.insertMany(seatMaps, { session, ordered: true, lean: true })
        })
      } catch (err) {
        if (isDuplicateKey(err) && state.step === 'event') {
          throw new EventExistsError(`event ${def.id} already exists`, { cause: err })
        }
        throw err
      }
    })
  }

  async getEvent(eventId: string): Promise<EventDefinition | null> {
    return this.store.run(async () => {
      const doc = await this.store.m.Event.findById(eventId).lean<EventDoc>().exec()
      if (doc === null) return null
      const maps = await this.store.m.SeatMap.find({ eventId }).lean<SeatMapDoc[]>().exec()
      const byId = new Map(maps.map((m) => [m.sectionId, m]))
      const sections: SectionDefinition[] = doc.sections.map((s) => {
        const facts = sectionFacts(s)
        if (s.kind !== 'seated') return facts
        const map = byId.get(s.id)
        return { ...facts, seats: map?.seats ?? [], ...(map?.rows ? { rows: map.rows } : {}) }
      })
      return {
        id: doc._id,
        name: doc.name,
        startsAt: doc.startsAt ? new Date(doc.startsAt).toISOString() : null,
        currency: doc.currency,
        ...(doc.categories ? { categories: doc.categories } : {}),
        sections,
        createdAt: new Date(doc.createdAt).toISOString(),
        ...(doc.sales ? { sales: toSales(doc.sales) } : {}),
        ...(doc.revision === undefined ? {} : { revision: doc.revision }),
        ...(doc.archivedAt ? { archivedAt: new Date(doc.archivedAt).toISOString() } : {}),
        ...(doc.loneSeats ? { loneSeats: doc.loneSeats } : {}),
      }
    })
  }

  async getState(eventId: string): Promise<EventState | null> {
    return this.store.run(async () => {
      const doc = await this.store.m.Event.findById(eventId, { startsAt: 1, sales: 1, archivedAt: 1 })
        .lean<Pick<EventDoc, '_id' | 'startsAt' | 'sales' | 'archivedAt'>>()
        .exec()
      if (doc === null) return null
      return {
        startsAt: doc.startsAt ? new Date(doc.startsAt).toISOString() : null,
        sales: doc.sales ? toSales(doc.sales) : ALWAYS_ON_SALE,
        archivedAt: doc.archivedAt ? new Date(doc.archivedAt).toISOString() : null,
      }
    })
  }

  async archiveEvent(eventId: string, at: string): Promise<string | null> {
    return this.store.run(async () => {
      // One document, one atomic update: the first archive writes the time, a repeat reads it back.
      const doc = await this.store.m.Event.findOneAndUpdate(
        { _id: eventId, ...ACTIVE },
        { $set: { archivedAt: new Date(at) }, $inc: { revision: 1 } },
        { new: true, projection: { archivedAt: 1 } },
      )
        .lean<Pick<EventDoc, '_id' | 'archivedAt'>>()
        .exec()
      const archived =
        doc ??
        (await this.store.m.Event.findById(eventId, { archivedAt: 1 })
          .lean<Pick<EventDoc, '_id' | 'archivedAt'>>()
          .exec())
      return archived?.archivedAt ? new Date(archived.archivedAt).toISOString() : null
    })
  }

  async deleteEvent(eventId: string): Promise<boolean> {
    const { Event, Section, SectionCount, SeatMap, Reservation, Block, BlockedSeat } = this.store.m
    return this.store.run(() =>
      this.store.txn(async (session) => {
        const event = await Event.findById(eventId, { _id: 1 }).session(session).lean<EventDoc>().exec()
        if (event === null) return false
        const sold = await Reservation.exists({ eventId }).session(session).exec()
        if (sold !== null) throw new EventHasSalesError(`event ${eventId} has reservations`)
        // Every confirm writes a count shard of its section: deleting the shards here makes a confirm that
        // commits meanwhile a write conflict (one of the two starts again and sees the other), and one
        // that comes later finds no count and is refused (mongo-confirm.ts).
        await SectionCount.deleteMany({ eventId }, { session })
        await Section.deleteMany({ eventId }, { session })
        await SeatMap.deleteMany({ eventId }, { session })
        // Seat blocks are the event's own set-asides, not sales: they go with it.
        await BlockedSeat.deleteMany({ eventId }, { session })
        await Block.deleteMany({ eventId }, { session })
        await Event.deleteOne({ _id: eventId }, { session })
        return true
      }),
    )
  }

  /** Throws EventArchivedError when the event exists and is archived; for a write that matched nothing. */
  private async refuseArchived(eventId: string): Promise<void> {
    const state = await this.getState(eventId)
    if (state?.archivedAt != null) throw new EventArchivedError(`event ${eventId} is archived`)
  }

  async getSales(eventId: string): Promise<SalesWindow | null> {
    return this.store.run(async () => {
      const doc = await this.store.m.Event.findById(eventId, { sales: 1 })
        .lean<Pick<EventDoc, '_id' | 'sales'>>()
        .exec()
      if (doc === null) return null
      return doc.sales ? toSales(doc.sales) : ALWAYS_ON_SALE
    })
  }

  async setSalesClosed(eventId: string, closed: boolean): Promise<SalesWindow | null> {
    return this.store.run(async () => {
      // One document, one atomic update: the window's times stay as they are.
      const doc = await this.store.m.Event.findOneAndUpdate(
        { _id: eventId, ...ACTIVE },
        { $set: { 'sales.closed': closed }, $inc: { revision: 1 } },
        { new: true, projection: { sales: 1 } },
      )
        .lean<Pick<EventDoc, '_id' | 'sales'>>()
        .exec()
      if (doc !== null) return toSales(doc.sales ?? { openAt: null, closeAt: null, closed })
      await this.refuseArchived(eventId)
      return null
    })
  }

  async updateEvent(eventId: string, changes: EventChanges): Promise<EventDefinition | null> {
    const before = await this.getEvent(eventId)
    if (before === null) return null
    if (before.archivedAt !== undefined) throw new EventArchivedError(`event ${eventId} is archived`)
    const after = normalizeEvent(applyChanges(before, changes))
    const { Event, Reservation } = this.store.m
    const updated = await this.store.run(() =>
      this.store.txn(async (session) => {
        // The reservation read and the event write in one snapshot transaction: a sale committed
        // meanwhile conflicts with it (a write conflict retries the whole transaction).
        if (pricesDiffer(before, after)) {
          const sold = await Reservation.exists({ eventId, status: 'confirmed' }).session(session).exec()
          if (sold !== null) throw new PricesLockedError(`event ${eventId} has sales`)
        }
        // Guarded by the revision read: a change made meanwhile makes this one match nothing.
        const result = await Event.updateOne(
          { _id: eventId, revision: before.revision ?? { $exists: false } },
          {
            $set: {
              name: after.name,
              startsAt: after.startsAt === null ? null : new Date(after.startsAt),
              sections: after.sections.map((s) => sectionFacts(s)),
              revision: after.revision,
              ...(after.categories === undefined ? {} : { categories: after.categories }),
              ...(after.sales === undefined ? {} : { sales: salesDoc(after.sales) }),
            },
          },
          { session },
        ).exec()
        return result.matchedCount === 1
      }),
    )
    // Another change won the race: apply this one to what it wrote.
    return updated ? after : this.updateEvent(eventId, changes)
  }

  async listEvents(query: EventQuery): Promise<EventPage> {
    const size = pageSize(query.limit)
    const now = new Date(query.now)
    const and: Record<string, unknown>[] = []
    if (query.startsFrom !== undefined) and.push({ startsAt: { $gte: new Date(query.startsFrom) } })
    if (query.startsBefore !== undefined) and.push({ startsAt: { $lt: new Date(query.startsBefore) } })
    if (query.status !== undefined) and.push(mongoListStatus(query.status, now))
    if (query.cursor !== null) {
      const after = decodeEventCursor(query.cursor)
      // Ascending order puts a null (or absent) start first, as PostgreSQL's order does.
      and.push(
        after.startsAt === null
          ? { $or: [{ startsAt: null, _id: { $gt: after.id } }, { startsAt: { $ne: null } }] }
          : {
              $or: [
                { startsAt: { $gt: new Date(after.startsAt) } },
                { startsAt: new Date(after.startsAt), _id: { $gt: after.id } },
              ],
            },
      )
    }
    return this.store.run(async () => {
      const docs = await this.store.m.Event.find(and.length === 0 ? {} : { $and: and }, {
        name: 1,
        startsAt: 1,
        currency: 1,
        sales: 1,
        createdAt: 1,
        archivedAt: 1,
      })
        .sort({ startsAt: 1, _id: 1 })
        .limit(size + 1)
        .lean<
          Pick<EventDoc, '_id' | 'name' | 'startsAt' | 'currency' | 'sales' | 'createdAt' | 'archivedAt'>[]
        >()
        .exec()
      return eventPageFrom(
        docs.map((d) => ({
          id: d._id,
          name: d.name,
          startsAt: d.startsAt ? new Date(d.startsAt).toISOString() : null,
          currency: d.currency,
          sales: d.sales ? toSales(d.sales) : ALWAYS_ON_SALE,
          createdAt: new Date(d.createdAt).toISOString(),
          archivedAt: d.archivedAt ? new Date(d.archivedAt).toISOString() : null,
        })),
        size,
      )
    })
  }

  async getRevision(eventId: string): Promise<number | null> {
    return this.store.run(async () => {
      const doc = await this.store.m.Event.findById(eventId, { revision: 1 })
        .lean<Pick<EventDoc, '_id' | 'revision'>>()
        .exec()
      return doc === null ? null : (doc.revision ?? 0)
    })
  }

  async countEvents(): Promise<number> {
    return this.store.run(() => this.store.m.Event.countDocuments({}).exec())
  }

  async voidHold(eventId: string, holdId: string, currency: string): Promise<Reservation> {
    const doc: ReservationDoc = {
      _id: `void-${holdId}`,
      holdId,
      eventId,
      holder: VOID_PLACEHOLDER,
      items: [],
      amount: 0,
      currency,
      status: 'voided',
      paymentRef: null,
      tokenHash: VOID_PLACEHOLDER,
      createdAt: new Date(),
      cancelledAt: null,
    }
    return this.store.run(async () => {
      try {
        // One document, so no transaction: the unique holdId index decides against a concurrent confirm.
        // The fence must survive a failover before anyone acts on it: majority write concern, given as
        // the driver reads it (a top-level `w` option is ignored by driver 7).
        await this.store.rawReservations().insertOne(doc, { writeConcern: { w: 'majority' } })
      } catch (err) {
        if (!isDuplicateKey(err)) throw err
      }
      const found = await this.store.saleOfHold(holdId)
      if (found === null) throw new Error(`voidHold: no reservation document for hold ${holdId}`)
      return found
    })
  }

  async confirm(input: ConfirmInput): Promise<ConfirmResult> {
    return confirm(this.store, input)
  }

  async confirmBatch(inputs: ConfirmInput[]): Promise<ConfirmResult[]> {
    return confirmBatch(this.store, inputs)
  }

  async getReservation(eventId: string, reservationId: string): Promise<Reservation | null> {
    return this.store.run(async () => {
      const doc = await this.store.m.Reservation.findOne({ _id: reservationId, eventId })
        .lean<ReservationDoc>()
        .exec()
      return doc === null ? null : toReservation(doc)
    })
  }

  async findReservationByHold(eventId: string, holdId: string): Promise<Reservation | null> {
    return this.store.run(async () => {
      const doc = await this.store.m.Reservation.findOne({ holdId, eventId }).lean<ReservationDoc>().exec()
      return doc === null ? null : toReservation(doc)
    })
  }

  async cancel(eventId: string, reservationId: string): Promise<Reservation | null> {
    const { Reservation, SoldSeat, SectionCount } = this.store.m
    return this.store.run(() =>
      this.store.txn(async (session) => {
        const doc = await Reservation.findOneAndUpdate(
          { _id: reservationId, eventId, status: 'confirmed' },
          { $set: { status: 'cancelled', cancelledAt: new Date() } },
          { session, returnDocument: 'after' },
        )
          .lean<ReservationDoc>()
          .exec()
        if (doc === null) return null
        await SoldSeat.deleteMany({ eventId, reservationId }, { session })
        for (const s of unitsBySection(doc.items.map(toItem))) {
          const shards = await this.store.shardsOf(eventId, s.section)
          if (await giveUnits(SectionCount, session, eventId, s.section, s.units, shards)) continue
          // A section not migrated to shards yet keeps its single count (this write orders us with the
          // migration: one of the two sees the other's change as a write conflict and starts again).
          const legacy = await this.store.m.Section.updateOne(
            { _id: sectionKey(eventId, s.section), shards: { $exists: false } },
            { $inc: { remaining: s.units } },
            { session },
          )
          if (legacy.matchedCount !== 1)
            throw new Error(`cancel: no count for section ${eventId}/${s.section}`)
        }
        return toReservation(doc)
      }),
    )
  }

  async listReservations(eventId: string, limit: number, cursor: string | null): Promise<ReservationPage> {
    const size = pageSize(limit)
    const after = cursor === null ? null : decodeCursor(cursor)
    return this.store.run(async () => {
      const base = { eventId, status: 'confirmed' as const }
      const query =
        after === null
          ? this.store.m.Reservation.find(base)
          : this.store.m.Reservation.find({
              ...base,
              $or: [
                { createdAt: { $lt: new Date(after.createdAt) } },
                { createdAt: new Date(after.createdAt), _id: { $lt: after.id } },
              ],
            })
      const docs = await query
        .sort({ createdAt: -1, _id: -1 })
        .limit(size + 1)
        .lean<ReservationDoc[]>()
        .exec()
      return pageFrom(docs.map(toReservation), size)
    })
  }

  async soldState(eventId: string): Promise<SoldState> {
    const { SoldSeat } = this.store.m
    return this.store.run(async () => {
      // One snapshot transaction, so counts and seats agree.
      const { sections, remaining, seats } = await this.store.txn(async (session) => {
        const { sections, remaining } = await this.store.sectionCounts(session, eventId)
        const seats = await SoldSeat.find({ eventId }, { section: 1, seat: 1, reservationId: 1, _id: 0 })
          .session(session)
          .lean<{ section: string; seat: string; reservationId: string }[]>()
          .exec()
        return { sections, remaining, seats }
      })
      const bySection = new Map<string, { seat: string; reservationId: string }[]>()
      for (const s of seats) {
        const list = bySection.get(s.section)
        if (list === undefined) bySection.set(s.section, [s])
        else list.push(s)
      }
      return {
        sections: sections.map((s) => {
          const sold = (bySection.get(s.sectionId) ?? []).sort((a, b) => compareStrings(a.seat, b.seat))
          return {
            id: s.sectionId,
            sold: soldOf(s, remaining),
            soldSeats: sold.map((x) => x.seat),
            soldBy: sold.map((x) => x.reservationId),
          }
        }),
      }
    })
  }

  async soldCounts(eventId: string): Promise<SoldCounts> {
    return this.store.run(async () => {
      const { sections, remaining } = await this.store.txn((session) =>
        this.store.sectionCounts(session, eventId),
      )
      return { sections: sections.map((s) => ({ id: s.sectionId, sold: soldOf(s, remaining) })) }
    })
  }

  createBlock(block: SeatBlock): Promise<void> {
    return blocks.createBlock(this.store, block)
  }

  discardBlock(eventId: string, blockId: string): Promise<void> {
    return blocks.discardBlock(this.store, eventId, blockId)
  }

  getBlock(eventId: string, blockId: string): Promise<SeatBlock | null> {
    return blocks.getBlock(this.store, eventId, blockId)
  }

  listBlocks(eventId: string): Promise<SeatBlock[]> {
    return blocks.listBlocks(this.store, eventId)
  }

  endBlock(eventId: string, blockId: string, how: BlockEnd): Promise<SeatBlock | null> {
    return blocks.endBlock(this.store, eventId, blockId, how)
  }

  dueReleases(now: number, limit: number): Promise<SeatBlock[]> {
    return blocks.dueReleases(this.store, now, limit)
  }
}

export function createMongoLedger(url: string, opts: MongoLedgerOptions = {}): MongoLedger {
  return new MongoLedger(url, opts)
}
