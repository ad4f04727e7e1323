/**
 * MongoDB ledger adapter (mongoose, replica set, multi-document transactions). The primary ledger.
 *
 * Guarantees come from unique indexes and guarded updates inside one snapshot transaction:
 * - one reservation per hold: unique index on reservations.holdId;
 * - one sale per seat: unique index on soldseats {eventId, section, seat};
 * - no overselling: sections.updateOne({ _id, remaining: { $gte: n } }, { $inc: { remaining: -n } }).
 * Duplicate-key errors are never caught inside a transaction: they abort it and are mapped outside.
 *
 * Transactions run in our own loop instead of connection.transaction() / session.withTransaction():
 * those retry every TransientTransactionError for up to 120 s, and the driver labels network and
 * server-selection errors inside a transaction as transient, so a dead server would hold a request for
 * two minutes. Here write conflicts are retried (with jittered backoff) within a few seconds, while
 * "cannot reach the server" fails at once as LedgerUnavailableError.
 */
import mongoose from 'mongoose'
import type { ClientSession, Connection, ConnectOptions, Model, mongo } from 'mongoose'
import { planConfirm, unitsBySection } from '../domain/confirm-plan.js'
import { CapacityExceededError, EventExistsError, SeatsTakenError } from '../domain/errors.js'
import { normalizeEvent } from '../domain/event.js'
import type { EventDefinition, SectionDefinition, SectionKind } from '../domain/event.js'
import { isoInput } from '../domain/iso-time.js'
import { compareStrings } from '../lib/compare.js'
import type { Item } from '../domain/items.js'
import type { Reservation, ReservationStatus } from '../domain/reservation.js'
import { BatchRefusedError, LedgerUnavailableError } from './port.js'
import type { ConfirmInput, ConfirmResult, Ledger, ReservationPage, SoldCounts, SoldState } from './port.js'
import {
  hasErrorLabel,
  isDuplicateKey,
  isMongoServerGone,
  isMongoUnreachable,
  mapMongoError,
} from './mongo-errors.js'
import {
  CountShort,
  defineSectionCountModel,
  giveUnits,
  remainingBySection,
  splitCount,
  takeUnits,
} from './mongo-counts.js'
import type { SectionCountDoc } from './mongo-counts.js'
import { MONGO_MIGRATIONS, migrateMongo } from './mongo-migrations.js'
import { batchResults, decodeCursor, mergeBatch, planBatch, pageFrom, maskUrl, pageSize } from './common.js'

/** Required fields of a void document; it is never shown to anyone. */
const VOID_PLACEHOLDER = '(voided)'

export interface MongoLedgerOptions {
  log?: (msg: string) => void
  maxPoolSize?: number
  /** How long an operation waits for a usable server before failing (default 1000 ms). */
  serverSelectionTimeoutMS?: number
  /** Told of every command sent to the server (driver command monitoring), e.g. to check write concerns. */
  onCommand?: (commandName: string, command: mongo.Document) => void
}

const TXN_OPTIONS: mongo.TransactionOptions = {
  readConcern: { level: 'snapshot' },
  writeConcern: { w: 'majority' },
  readPreference: 'primary',
  maxCommitTimeMS: 3000,
}
/** Time spent retrying write conflicts / transient errors before giving up with LedgerUnavailableError. */
const TXN_RETRY_BUDGET_MS = 5000
const MAX_CONFIRM_ATTEMPTS = 3

// ---------------------------------------------------------------------------------------------------
// Documents and schemas
// ---------------------------------------------------------------------------------------------------

interface SectionMeta {
  id: string
  name: string
  kind: SectionKind
  price: number
  capacity: number
}

interface EventDoc {
  _id: string
  name: string
  startsAt: Date | null
  currency: string
  createdAt: Date
  /** Section definitions without seat labels (those live in seatmaps: one document per section). */
  sections: SectionMeta[]
}

/** One section's fixed facts; its live count is spread over shard documents (mongo-counts.ts). */
interface SectionDoc {
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
interface SeatMapDoc {
  _id: string
  eventId: string
  sectionId: string
  seats: string[]
}

interface ItemDoc {
  section: string
  seats?: string[]
  quantity?: number
}

interface ReservationDoc {
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

interface SoldSeatDoc {
  eventId: string
  section: string
  seat: string
  reservationId: string
}

interface Models {
  Event: Model<EventDoc>
  Section: Model<SectionDoc>
  SectionCount: Model<SectionCountDoc>
  SeatMap: Model<SeatMapDoc>
  Reservation: Model<ReservationDoc>
  SoldSeat: Model<SoldSeatDoc>
}

const schemaOptions = { strict: true, versionKey: false, autoIndex: false, autoCreate: false } as const

function defineModels(conn: Connection): Models {
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
  const eventSchema = new Schema<EventDoc>(
    {
      _id: { type: String, required: true },
      name: { type: String },
      startsAt: { type: Date, default: null },
      currency: { type: String, required: true },
      createdAt: { type: Date, required: true },
      sections: { type: [sectionMetaSchema], required: true },
    },
    { ...schemaOptions, collection: 'events' },
  )

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

  return {
    Event: conn.model<EventDoc>('Event', eventSchema),
    Section: conn.model<SectionDoc>('Section', sectionSchema),
    SectionCount: defineSectionCountModel(conn),
    SeatMap: conn.model<SeatMapDoc>('SeatMap', seatMapSchema),
    Reservation: conn.model<ReservationDoc>('Reservation', reservationSchema),
    SoldSeat: conn.model<SoldSeatDoc>('SoldSeat', soldSeatSchema),
  }
}

// ---------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------

/** Section document id; NUL cannot appear in an identifier, so the pair is unambiguous. */
function sectionKey(eventId: string, sectionId: string): string {
  return `${eventId}\u0000${sectionId}`
}

function toItem(item: ItemDoc): Item {
  return Array.isArray(item.seats)
    ? { section: item.section, seats: [...item.seats] }
    : { section: item.section, quantity: item.quantity ?? 0 }
}

function toReservation(doc: ReservationDoc): Reservation {
  return {
    id: doc._id,
    holdId: doc.holdId,
    eventId: doc.eventId,
    holder: doc.holder,
    items: doc.items.map(toItem),
    amount: doc.amount,
    currency: doc.currency,
    status: doc.status,
    paymentRef: doc.paymentRef ?? null,
    tokenHash: doc.tokenHash,
    createdAt: new Date(doc.createdAt).toISOString(),
    cancelledAt: doc.cancelledAt ? new Date(doc.cancelledAt).toISOString() : null,
  }
}

function reservationDoc(input: ConfirmInput, items: Item[]): ReservationDoc {
  return {
    _id: input.reservationId,
    holdId: input.holdId,
    eventId: input.eventId,
    holder: input.holder,
    items: items.map((i) => ('seats' in i ? { section: i.section, seats: i.seats } : i)),
    amount: input.amount,
    currency: input.currency,
    status: 'confirmed',
    paymentRef: input.paymentRef,
    tokenHash: input.tokenHash,
    createdAt: new Date(isoInput(input.createdAt, 'createdAt')),
    cancelledAt: null,
  }
}

function soldSeatDocs(
  eventId: string,
  seats: { section: string; seat: string }[],
  reservationId: string,
): SoldSeatDoc[] {
  return seats.map((s) => ({ eventId, section: s.section, seat: s.seat, reservationId }))
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

function backoffMs(attempt: number): number {
  return Math.random() * Math.min(5 * 1.5 ** attempt, 250)
}

// ---------------------------------------------------------------------------------------------------
// Adapter
// ---------------------------------------------------------------------------------------------------

export class MongoLedger implements Ledger {
  readonly kind = 'mongodb' as const
  private readonly conn: Connection
  private readonly m: Models
  private readonly log: (msg: string) => void
  private readonly connectOptions: ConnectOptions
  private opened = false
  private closed = false
  private readonly onCommand: MongoLedgerOptions['onCommand']
  /** Count shards per section (sectionKey), learnt once; see shardsOf. */
  private readonly shardCounts = new Map<string, number>()

  constructor(
    private readonly url: string,
    opts: MongoLedgerOptions = {},
  ) {
    this.log = opts.log ?? (() => undefined)
    this.connectOptions = {
      serverSelectionTimeoutMS: opts.serverSelectionTimeoutMS ?? 1000,
      connectTimeoutMS: 1000,
      // Above maxCommitTimeMS: a socket timeout would also cut off a slow but healthy commit.
      socketTimeoutMS: 10_000,
      // A stalled primary (TCP open, no answers) is noticed by the monitor after about connectTimeoutMS +
      // heartbeatFrequencyMS, and then the driver interrupts the operations waiting on it: with these
      // values a confirm on a frozen primary fails in about 1.5 s instead of 10-20 s. (The driver's
      // client-side timeoutMS does nothing in driver 7.8, so it cannot bound operations.)
      heartbeatFrequencyMS: 500,
      // Waiting for a pooled connection is bounded too; a busy pool answers 503 instead of queueing.
      waitQueueTimeoutMS: 1000,
      maxPoolSize: opts.maxPoolSize ?? 20,
      retryWrites: true,
      appName: 'seatlock',
      // Never queue operations behind a dead connection; indexes / collections are made in init().
      bufferCommands: false,
      autoIndex: false,
      autoCreate: false,
      ...(opts.onCommand ? { monitorCommands: true } : {}),
    }
    this.onCommand = opts.onCommand
    // Our own connection, never mongoose's global default one.
    this.conn = mongoose.createConnection()
    // Before init() succeeds, failures are reported by init() itself; afterwards they are worth a log line.
    this.conn.on('error', (err: unknown) => {
      if (this.opened && !this.closed) this.log(`mongodb: connection error: ${String(err)}`)
    })
    this.conn.on('disconnected', () => {
      if (this.opened && !this.closed) this.log('mongodb: lost the primary / disconnected')
    })
    this.conn.on('reconnected', () => this.log('mongodb: reconnected'))
    this.m = defineModels(this.conn)
  }

  /** Fail fast when the connection is known to be unusable. */
  private ready(): void {
    if (this.closed) throw new LedgerUnavailableError('mongodb ledger is closed')
    if (!this.opened) throw new LedgerUnavailableError('mongodb ledger is not connected (init() not done)')
    if (this.conn.readyState !== mongoose.ConnectionStates.connected) {
      throw new LedgerUnavailableError('mongodb unavailable: no connection to a primary')
    }
  }

  /** Run one public operation: fail fast, and map connection-level failures to LedgerUnavailableError. */
  private async run<T>(fn: () => Promise<T>): Promise<T> {
    this.ready()
    try {
      return await fn()
    } catch (err) {
      const mapped = mapMongoError(err)
      if (
        mapped === err &&
        err instanceof Error &&
        err.name.startsWith('Mongo') &&
        this.conn.readyState !== mongoose.ConnectionStates.connected
      ) {
        throw new LedgerUnavailableError(`mongodb unavailable: ${err.message}`, { cause: err })
      }
      throw mapped
    }
  }

  /**
   * One multi-document transaction (snapshot reads, majority writes, primary). Retries the whole callback
   * on TransientTransactionError (write conflicts) and the commit on UnknownTransactionCommitResult, within
   * TXN_RETRY_BUDGET_MS; errors from an unreachable server are thrown at once. The callback must not
   * catch errors of the operations it runs.
   */
  private async txn<T>(fn: (session: ClientSession) => Promise<T>): Promise<T> {
    const session = await this.conn.startSession()
    const deadline = Date.now() + TXN_RETRY_BUDGET_MS
    let serverGone = false
    try {
      attempts: for (let attempt = 0; ; attempt++) {
        if (attempt > 0) await sleep(backoffMs(attempt))
        session.startTransaction(TXN_OPTIONS)
        let result: T
        try {
          result = await fn(session)
        } catch (err) {
          serverGone = isMongoServerGone(err)
          if (session.inTransaction()) {
            const aborting = session.abortTransaction().catch(() => undefined)
            // Aborting on a server we cannot reach waits for it (seconds); the server drops the
            // transaction by itself, so answer now and let the abort finish in the background. (A busy
            // pool is not that: there the abort is awaited, so the transaction's writes go at once.)
            if (!serverGone) await aborting
          }
          if (
            hasErrorLabel(err, 'TransientTransactionError') &&
            !isMongoUnreachable(err) &&
            Date.now() < deadline
          ) {
            continue attempts
          }
          throw err
        }
        for (;;) {
          try {
            await session.commitTransaction()
            return result
          } catch (err) {
            serverGone = isMongoServerGone(err)
            const code = (err as { code?: unknown }).code
            const canRetry = !isMongoUnreachable(err) && Date.now() < deadline
            // 50 = MaxTimeMSExpired: maxCommitTimeMS ran out; retrying would only wait longer.
            if (canRetry && hasErrorLabel(err, 'UnknownTransactionCommitResult') && code !== 50) continue
            if (canRetry && hasErrorLabel(err, 'TransientTransactionError')) continue attempts
            throw err
          }
        }
      }
    } finally {
      const ending = session.endSession().catch(() => undefined)
      if (!serverGone) await ending
    }
  }

  async init(): Promise<void> {
    if (this.closed) throw new LedgerUnavailableError('mongodb ledger is closed')
    if (!this.opened) {
      try {
        await this.conn.openUri(this.url, this.connectOptions)
        const onCommand = this.onCommand
        if (onCommand) {
          this.conn
            .getClient()
            .on('commandStarted', (event: mongo.CommandStartedEvent) =>
              onCommand(event.commandName, event.command),
            )
        }
      } catch (err) {
        throw mapMongoError(err)
      }
      this.opened = true
    }
    await this.run(async () => {
      await this.assertTransactionsSupported()
      const db = this.conn.db
      if (db === undefined) throw new LedgerUnavailableError('mongodb: not connected')
      await migrateMongo(
        db,
        MONGO_MIGRATIONS,
        {
          createCollectionsAndIndexes: () => this.createIndexes(),
          migrateCounts: () => this.migrateCounts(),
        },
        { log: this.log },
      )
    })
  }

  private async assertTransactionsSupported(): Promise<void> {
    const db = this.conn.db
    if (db === undefined) throw new LedgerUnavailableError('mongodb: not connected')
    let hello: mongo.Document
    try {
      hello = await db.admin().command({ hello: 1 })
    } catch (err) {
      // Servers older than 4.4.2 only know isMaster.
      if ((err as { code?: unknown }).code !== 59) throw err
      hello = await db.admin().command({ isMaster: 1 })
    }
    if (typeof hello.setName !== 'string' && hello.msg !== 'isdbgrid') {
      throw new Error(
        `MongoDB at ${maskUrl(this.url)} is a standalone server, but the ledger needs multi-document ` +
          'transactions, which need a replica set (or mongos): run `docker compose up -d` in this repo to ' +
          'start a single-node replica set, or start mongod with --replSet rs0 and run rs.initiate() once',
      )
    }
  }

  /** Create collections and indexes; safe when many processes start at once (both are idempotent). */
  private async createIndexes(): Promise<void> {
    const models: Model<never>[] = [
      this.m.Event,
      this.m.Section,
      this.m.SectionCount,
      this.m.SeatMap,
      this.m.Reservation,
      this.m.SoldSeat,
    ] as unknown as Model<never>[]
    for (const model of models) {
      for (let attempt = 1; ; attempt++) {
        try {
          // Collections exist before any transaction uses them (implicit creation inside a transaction
          // is not allowed before MongoDB 4.4 and conflicts under concurrency after).
          await model.createCollection()
          await model.createIndexes()
          break
        } catch (err) {
          // NamespaceExists / an identical index build racing in another process: try again shortly.
          if (attempt >= 5 || isMongoUnreachable(err)) throw err
          await sleep(100 * attempt)
        }
      }
    }
  }

  async ping(): Promise<void> {
    await this.run(async () => {
      const db = this.conn.db
      if (db === undefined) throw new LedgerUnavailableError('mongodb: not connected')
      await db.admin().command({ ping: 1 })
    })
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.conn.close().catch((err: unknown) => this.log(`mongodb: error while closing: ${String(err)}`))
  }

  async createEvent(event: EventDefinition): Promise<void> {
    const def = normalizeEvent(event)
    const { Event, Section, SectionCount, SeatMap } = this.m
    const eventDoc: EventDoc = {
      _id: def.id,
      name: def.name,
      startsAt: def.startsAt === null ? null : new Date(def.startsAt),
      currency: def.currency,
      createdAt: new Date(def.createdAt),
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
        ? [{ _id: sectionKey(def.id, s.id), eventId: def.id, sectionId: s.id, seats: s.seats }]
        : [],
    )
    await this.run(async () => {
      const state = { step: 'event' as 'event' | 'rest' }
      try {
        await this.txn(async (session) => {
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
    return this.run(async () => {
      const doc = await this.m.Event.findById(eventId).lean<EventDoc>().exec()
      if (doc === null) return null
      const maps = await this.m.SeatMap.find({ eventId }).lean<SeatMapDoc[]>().exec()
      const seats = new Map(maps.map((m) => [m.sectionId, m.seats]))
      const sections: SectionDefinition[] = doc.sections.map((s) =>
        s.kind === 'seated'
          ? {
              id: s.id,
              name: s.name,
              kind: s.kind,
              price: s.price,
              capacity: s.capacity,
              seats: seats.get(s.id) ?? [],
            }
          : { id: s.id, name: s.name, kind: s.kind, price: s.price, capacity: s.capacity },
      )
      return {
        id: doc._id,
        name: doc.name,
        startsAt: doc.startsAt ? new Date(doc.startsAt).toISOString() : null,
        currency: doc.currency,
        sections,
        createdAt: new Date(doc.createdAt).toISOString(),
      }
    })
  }

  async countEvents(): Promise<number> {
    return this.run(() => this.m.Event.countDocuments({}).exec())
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
    return this.run(async () => {
      try {
        // One document, so no transaction: the unique holdId index decides against a concurrent confirm.
        // The fence must survive a failover before anyone acts on it: majority write concern, given as
        // the driver reads it (a top-level `w` option is ignored by driver 7).
        await this.rawReservations().insertOne(doc, { writeConcern: { w: 'majority' } })
      } catch (err) {
        if (!isDuplicateKey(err)) throw err
      }
      const found = await this.saleOfHold(holdId)
      if (found === null) throw new Error(`voidHold: no reservation document for hold ${holdId}`)
      return found
    })
  }

  async confirm(input: ConfirmInput): Promise<ConfirmResult> {
    const plan = planConfirm(input.items)
    if (!Number.isSafeInteger(input.amount) || input.amount < 0) throw new Error('confirm: invalid amount')
    const doc = reservationDoc(input, plan.items)
    const seatDocs = soldSeatDocs(input.eventId, plan.seats, input.reservationId)
    const { Reservation, SoldSeat, SectionCount } = this.m

    return this.run(async () => {
      for (let attempt = 1; ; attempt++) {
        const state = { step: 'reservation' as 'reservation' | 'seats' | 'sections' }
        try {
          await this.txn(async (session) => {
            state.step = 'reservation'
            await Reservation.create([doc], { session })
            state.step = 'seats'
            if (seatDocs.length > 0) await SoldSeat.insertMany(seatDocs, { session, ordered: true })
            state.step = 'sections'
            for (const s of plan.sections) {
              const shards = await this.shardsOf(input.eventId, s.section)
              await takeUnits(SectionCount, session, input.eventId, s, shards)
            }
          })
          return { reservation: toReservation(doc), created: true }
        } catch (err) {
          // The transaction is aborted by now; decide what the failure means.
          if (err instanceof CountShort) {
            const section = await this.m.Section.findById(sectionKey(input.eventId, err.section))
              .lean<SectionDoc>()
              .exec()
            if (section === null) throw new Error(`confirm: unknown section ${input.eventId}/${err.section}`)
            if (section.kind !== err.kind) {
              throw new Error(`confirm: section ${err.section} is ${section.kind}, the item is ${err.kind}`)
            }
            if (section.shards === undefined && attempt < MAX_CONFIRM_ATTEMPTS) {
              // Written by an older version after this one's init: move its count to shards, then retry.
              await this.migrateSection(section._id)
              continue
            }
            throw new CapacityExceededError(err.section, err.units)
          }
          if (!isDuplicateKey(err)) throw err
          if (state.step === 'reservation') {
            const existing = await this.saleOfHold(input.holdId)
            if (existing !== null) return { reservation: existing, created: false }
            const sameId = await this.rawReservations().findOne(
              { _id: input.reservationId },
              { readConcern: { level: 'majority' }, projection: { _id: 1 } },
            )
            if (sameId !== null) {
              throw new Error(
                `confirm: reservation id ${input.reservationId} is already used by another hold`,
              )
            }
          } else if (state.step === 'seats') {
            const taken = await this.soldAmong(input.eventId, plan.seats)
            if (taken.length > 0) throw new SeatsTakenError(taken)
            // The conflicting sale was cancelled in the meantime.
            if (attempt >= MAX_CONFIRM_ATTEMPTS) throw new SeatsTakenError(plan.seats)
          } else {
            throw err
          }
          if (attempt >= MAX_CONFIRM_ATTEMPTS) throw err
        }
      }
    })
  }

  async confirmBatch(inputs: ConfirmInput[]): Promise<ConfirmResult[]> {
    if (inputs.length === 0) return []
    const holds = planBatch(inputs)
    const eventId = holds[0]?.input.eventId as string
    const { Reservation, SoldSeat, SectionCount } = this.m
    return this.run(async () => {
      try {
        return await this.txn(async (session) => {
          // Holds confirmed before (retries) or fenced: their document answers, nothing more is written.
          // (One read per batch, not per confirm.)
          const existing = await Reservation.find({ holdId: { $in: holds.map((h) => h.input.holdId) } })
            .session(session)
            .lean<ReservationDoc[]>()
            .exec()
          const repeats = new Map(existing.map((d) => [d.holdId, toReservation(d)]))
          const fresh = holds.filter((h) => !repeats.has(h.input.holdId))
          const { seats, sections } = mergeBatch(fresh)
          const docs = fresh.map((h) => reservationDoc(h.input, h.plan.items))
          // Duplicate keys abort the transaction (another confirm of a hold or a seat won): BatchRefused below.
          if (docs.length > 0) await Reservation.insertMany(docs, { session, ordered: true, lean: true })
          if (seats.length > 0) {
            const seatDocs = seats.map((s) => ({
              eventId,
              section: s.section,
              seat: s.seat,
              reservationId: s.reservationId,
            }))
            await SoldSeat.insertMany(seatDocs, { session, ordered: true, lean: true })
          }
          for (const s of sections) {
            await takeUnits(SectionCount, session, eventId, s, await this.shardsOf(eventId, s.section))
          }
          const created = new Map(docs.map((d) => [d.holdId, toReservation(d)]))
          return batchResults(holds, inputs.length, (hold) => {
            const fresh = created.get(hold.input.holdId)
            if (fresh !== undefined) return { reservation: fresh, created: true }
            return { reservation: repeats.get(hold.input.holdId) as Reservation, created: false }
          })
        })
      } catch (err) {
        // Refused by the data, or still conflicting when the retry budget ran out on a reachable server:
        // each confirm alone (its own transaction and budget) settles it rather than 503 for them all.
        const conflicted = hasErrorLabel(err, 'TransientTransactionError') && !isMongoUnreachable(err)
        if (err instanceof CountShort || isDuplicateKey(err) || conflicted) {
          throw new BatchRefusedError('the ledger refused a confirm of the batch', { cause: err })
        }
        throw err
      }
    })
  }

  /**
   * How many count shards a section has (it never changes once written), so a transaction's first try
   * lands on a shard that exists. Sections not migrated yet answer 1 (their takes then fall to the
   * slow path, which migrates them).
   */
  private async shardsOf(eventId: string, sectionId: string): Promise<number> {
    const key = sectionKey(eventId, sectionId)
    const known = this.shardCounts.get(key)
    if (known !== undefined) return known
    const sections = await this.m.Section.find({ eventId }, { sectionId: 1, shards: 1 })
      .lean<Pick<SectionDoc, 'sectionId' | 'shards'>[]>()
      .exec()
    for (const s of sections) {
      if (s.shards !== undefined) this.shardCounts.set(sectionKey(eventId, s.sectionId), s.shards)
    }
    if (this.shardCounts.size > 100_000) this.shardCounts.clear()
    return this.shardCounts.get(key) ?? 1
  }

  /**
   * The sale that holds a hold's slot, read with majority read concern: after a duplicate key the winner
   * is committed, and a majority read never returns a write that a failover could still roll back.
   */
  private async saleOfHold(holdId: string): Promise<Reservation | null> {
    const doc = await this.rawReservations().findOne(
      { holdId },
      { readConcern: { level: 'majority' }, readPreference: 'primary' },
    )
    return doc === null ? null : toReservation(doc)
  }

  /**
   * The driver's own collection (mongoose proxies it), for the two calls whose options must reach the
   * driver exactly as written. Typed with our string _id, which mongoose's Document typing does not know.
   */
  private rawReservations(): mongo.Collection<ReservationDoc> {
    return this.m.Reservation.collection as unknown as mongo.Collection<ReservationDoc>
  }

  /** Sections written before count shards existed get them (from their single count), once. */
  private async migrateCounts(): Promise<void> {
    const legacy = await this.m.Section.find({ shards: { $exists: false } }, { _id: 1 })
      .lean<{ _id: string }[]>()
      .exec()
    for (const { _id } of legacy) await this.migrateSection(_id)
    if (legacy.length > 0) this.log(`mongodb: moved ${legacy.length} section counts to count shards`)
  }

  private async migrateSection(id: string): Promise<void> {
    const { Section, SectionCount } = this.m
    try {
      await this.txn(async (session) => {
        const section = await Section.findOne({ _id: id, shards: { $exists: false } })
          .session(session)
          .lean<SectionDoc>()
          .exec()
        if (section === null) return
        const docs = splitCount(
          section.eventId,
          section.sectionId,
          section.kind,
          section.capacity,
          section.remaining ?? 0,
        )
        // Removing `remaining` also stops an older process from selling against it (its guard never matches).
        await Section.updateOne(
          { _id: id, shards: { $exists: false } },
          { $set: { shards: docs.length }, $unset: { remaining: '' } },
          { session },
        )
        await SectionCount.insertMany(docs, { session, ordered: true, lean: true })
      })
    } catch (err) {
      // Another process migrated it at the same moment.
      if (!isDuplicateKey(err)) throw err
    }
  }

  /** Which of these seats are sold right now (in the order given). */
  private async soldAmong(
    eventId: string,
    seats: { section: string; seat: string }[],
  ): Promise<{ section: string; seat: string }[]> {
    const bySection = new Map<string, string[]>()
    for (const s of seats) bySection.set(s.section, [...(bySection.get(s.section) ?? []), s.seat])
    const rows = await this.m.SoldSeat.find(
      { eventId, $or: [...bySection].map(([section, labels]) => ({ section, seat: { $in: labels } })) },
      { section: 1, seat: 1, _id: 0 },
    )
      .lean<{ section: string; seat: string }[]>()
      .exec()
    const sold = new Set(rows.map((r) => `${r.section}\u0000${r.seat}`))
    return seats.filter((s) => sold.has(`${s.section}\u0000${s.seat}`))
  }

  async getReservation(eventId: string, reservationId: string): Promise<Reservation | null> {
    return this.run(async () => {
      const doc = await this.m.Reservation.findOne({ _id: reservationId, eventId })
        .lean<ReservationDoc>()
        .exec()
      return doc === null ? null : toReservation(doc)
    })
  }

  async findReservationByHold(eventId: string, holdId: string): Promise<Reservation | null> {
    return this.run(async () => {
      const doc = await this.m.Reservation.findOne({ holdId, eventId }).lean<ReservationDoc>().exec()
      return doc === null ? null : toReservation(doc)
    })
  }

  async cancel(eventId: string, reservationId: string): Promise<Reservation | null> {
    const { Reservation, SoldSeat, SectionCount } = this.m
    return this.run(() =>
      this.txn(async (session) => {
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
          const shards = await this.shardsOf(eventId, s.section)
          if (await giveUnits(SectionCount, session, eventId, s.section, s.units, shards)) continue
          // A section not migrated to shards yet keeps its single count (this write orders us with the
          // migration: one of the two sees the other's change as a write conflict and starts again).
          const legacy = await this.m.Section.updateOne(
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
    return this.run(async () => {
      const base = { eventId, status: 'confirmed' as const }
      const query =
        after === null
          ? this.m.Reservation.find(base)
          : this.m.Reservation.find({
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
    const { SoldSeat } = this.m
    return this.run(async () => {
      // One snapshot transaction, so counts and seats agree.
      const { sections, remaining, seats } = await this.txn(async (session) => {
        const { sections, remaining } = await this.sectionCounts(session, eventId)
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

  /** An event's sections in order, with the remaining units of each (shards summed), in one session. */
  private async sectionCounts(session: ClientSession, eventId: string) {
    const { Section, SectionCount } = this.m
    const sections = await Section.find(
      { eventId },
      { sectionId: 1, capacity: 1, remaining: 1, shards: 1, position: 1 },
    )
      .sort({ position: 1 })
      .session(session)
      .lean<SectionDoc[]>()
      .exec()
    const remaining = await remainingBySection(SectionCount, session, eventId)
    return { sections, remaining }
  }

  async soldCounts(eventId: string): Promise<SoldCounts> {
    return this.run(async () => {
      const { sections, remaining } = await this.txn((session) => this.sectionCounts(session, eventId))
      return { sections: sections.map((s) => ({ id: s.sectionId, sold: soldOf(s, remaining) })) }
    })
  }
}

/** Units sold in a section: a section not migrated to count shards yet still has its single count. */
function soldOf(s: SectionDoc, remaining: Map<string, number>): number {
  return s.capacity - (s.shards === undefined ? (s.remaining ?? 0) : (remaining.get(s.sectionId) ?? 0))
}

export function createMongoLedger(url: string, opts: MongoLedgerOptions = {}): MongoLedger {
  return new MongoLedger(url, opts)
}
