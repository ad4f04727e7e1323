/**
 * What every MongoDB ledger operation stands on: the connection and its models, fail-fast runs that map
 * connection failures to LedgerUnavailableError, transactions, and the sections' count shards.
 */
import mongoose from 'mongoose'
import type { ClientSession, Connection, mongo } from 'mongoose'
import type { Reservation } from '../domain/reservation.js'
import { remainingBySection, splitCount } from './mongo-counts.js'
import { isDuplicateKey, mapMongoError } from './mongo-errors.js'
import { toReservation } from './mongo-mapping.js'
import { defineModels, sectionKey } from './mongo-models.js'
import type { Models, ReservationDoc, SectionDoc } from './mongo-models.js'
import { runTransaction } from './mongo-transactions.js'
import { LedgerUnavailableError } from './port.js'

export class MongoStore {
  readonly conn: Connection
  readonly m: Models
  /** Set once init() connected; operations fail fast before. */
  opened = false
  /** Set by close(); operations fail fast after. */
  closed = false
  /** Count shards per section (sectionKey), learnt once; see shardsOf. */
  private readonly shardCounts = new Map<string, number>()

  constructor(readonly log: (msg: string) => void) {
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
  async run<T>(fn: () => Promise<T>): Promise<T> {
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

  /** One multi-document transaction on this connection (see mongo-transactions.ts). */
  txn<T>(fn: (session: ClientSession) => Promise<T>): Promise<T> {
    return runTransaction(this.conn, fn)
  }

  /**
   * How many count shards a section has (it never changes once written), so a transaction's first try
   * lands on a shard that exists. Sections not migrated yet answer 1 (their takes then fall to the
   * slow path, which migrates them).
   */
  async shardsOf(eventId: string, sectionId: string): Promise<number> {
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
  async saleOfHold(holdId: string): Promise<Reservation | null> {
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
  rawReservations(): mongo.Collection<ReservationDoc> {
    return this.m.Reservation.collection as unknown as mongo.Collection<ReservationDoc>
  }

  /** Sections written before count shards existed get them (from their single count), once. */
  async migrateCounts(): Promise<void> {
    const legacy = await this.m.Section.find({ shards: { $exists: false } }, { _id: 1 })
      .lean<{ _id: string }[]>()
      .exec()
    for (const { _id } of legacy) await this.migrateSection(_id)
    if (legacy.length > 0) this.log(`mongodb: moved ${legacy.length} section counts to count shards`)
  }

  async migrateSection(id: string): Promise<void> {
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

  /** An event's sections in order, with the remaining units of each (shards summed), in one session. */
  async sectionCounts(session: ClientSession, eventId: string) {
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
}

/** Units sold in a section: a section not migrated to count shards yet still has its single count. */
export function soldOf(s: SectionDoc, remaining: Map<string, number>): number {
  return s.capacity - (s.shards === undefined ? (s.remaining ?? 0) : (remaining.get(s.sectionId) ?? 0))
}
