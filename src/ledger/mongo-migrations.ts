/**
 * Versioned schema of the MongoDB ledger: an ordered list of numbered steps, and the collection
 * `migrations` recording which ran ({ _id: <step id>, name, appliedAt }). Steps run from MongoLedger.init()
 * while the process holds a lock document ({ _id: 'lock', owner, expiresAt }, taken by a unique insert);
 * a process that finds every step recorded takes no lock (one small find).
 *
 * Rules for steps:
 * - Never edit or renumber a released step: add a new one (a new index is a new step).
 * - Steps are idempotent: a database created by a release before this collection existed has the
 *   collections, indexes and (maybe) count shards but no record, and its first init runs every step.
 *   MongoDB DDL is not transactional, so a step that ran but whose record was not written (a crash in
 *   between) runs again too.
 * - The lock expires (LOCK_TTL_MS after its last renewal) so a process that died holding it does not
 *   block every later start; the holder renews it while its steps run.
 */
import { randomUUID } from 'node:crypto'
import type { mongo } from 'mongoose'
import { isDuplicateKey } from './mongo-errors.js'

/** What the steps work on: the ledger's own operations, so the step list holds no model code. */
export interface MongoMigrationContext {
  /** Create every collection and its indexes (idempotent). */
  createCollectionsAndIndexes(): Promise<void>
  /** Move sections written before count shards to shards (idempotent, per section). */
  migrateCounts(): Promise<void>
  /** Create the events collection's indexes declared since step 1 (idempotent). */
  createEventIndexes(): Promise<void>
}

export interface MongoMigration {
  id: number
  name: string
  run(ctx: MongoMigrationContext): Promise<void>
}

export const MONGO_MIGRATIONS_COLLECTION = 'migrations'
export const MONGO_MIGRATIONS_LOCK_ID = 'lock'

export const MONGO_MIGRATIONS: readonly MongoMigration[] = [
  { id: 1, name: 'collections and indexes', run: (ctx) => ctx.createCollectionsAndIndexes() },
  { id: 2, name: 'section counts to count shards', run: (ctx) => ctx.migrateCounts() },
  { id: 3, name: 'events listing index (archived, start, id)', run: (ctx) => ctx.createEventIndexes() },
  // Creating every collection and index is idempotent: this step adds blocks and blockedseats.
  { id: 4, name: 'seat blocks and allocations', run: (ctx) => ctx.createCollectionsAndIndexes() },
]

export interface MigrationDoc {
  _id: number | string
  name?: string
  appliedAt?: Date
  owner?: string
  expiresAt?: Date
}

export interface MongoMigrateOptions {
  log?: (msg: string) => void
  /** How long a lock lives without renewal (default 60 s). */
  lockTtlMs?: number
  /** How often a waiting process looks at the lock again (default 100 ms). */
  pollMs?: number
  /** Give up waiting for the lock after this long (default 5 minutes). */
  waitMs?: number
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** The fast path: ids of the recorded steps (the lock document is not one). */
export async function appliedMongoMigrations(db: mongo.Db): Promise<Set<number>> {
  const docs = await db
    .collection<MigrationDoc>(MONGO_MIGRATIONS_COLLECTION)
    .find({ _id: { $ne: MONGO_MIGRATIONS_LOCK_ID } }, { projection: { _id: 1 } })
    .toArray()
  return new Set(docs.flatMap((d) => (typeof d._id === 'number' ? [d._id] : [])))
}

/**
 * Runs the steps not recorded yet, in id order, each followed by its record, under the lock. Returns
 * the ids this process ran (empty on the fast path or when another process ran them first).
 */
export async function migrateMongo(
  db: mongo.Db,
  steps: readonly MongoMigration[],
  ctx: MongoMigrationContext,
  opts: MongoMigrateOptions = {},
): Promise<number[]> {
  const log = opts.log ?? (() => undefined)
  const ttl = opts.lockTtlMs ?? 60_000
  const coll = db.collection<MigrationDoc>(MONGO_MIGRATIONS_COLLECTION)
  const pending = (applied: Set<number>): MongoMigration[] =>
    steps.filter((s) => !applied.has(s.id)).sort((a, b) => a.id - b.id)
  if (pending(await appliedMongoMigrations(db)).length === 0) return []

  const owner = randomUUID()
  await acquireLock(coll, owner, ttl, opts.pollMs ?? 100, opts.waitMs ?? 300_000)
  const renew = setInterval(() => {
    coll
      .updateOne(
        { _id: MONGO_MIGRATIONS_LOCK_ID, owner },
        { $set: { expiresAt: new Date(Date.now() + ttl) } },
      )
      .catch(() => undefined)
  }, ttl / 3)
  try {
    const ran: number[] = []
    // Another process may have run some while we waited.
    for (const step of pending(await appliedMongoMigrations(db))) {
      await step.run(ctx)
      await coll.insertOne({ _id: step.id, name: step.name, appliedAt: new Date() })
      log(`mongodb: migration ${step.id} (${step.name}) applied`)
      ran.push(step.id)
    }
    return ran
  } finally {
    clearInterval(renew)
    await coll.deleteOne({ _id: MONGO_MIGRATIONS_LOCK_ID, owner }).catch(() => undefined)
  }
}

async function acquireLock(
  coll: mongo.Collection<MigrationDoc>,
  owner: string,
  ttl: number,
  pollMs: number,
  waitMs: number,
): Promise<void> {
  const giveUp = Date.now() + waitMs
  for (;;) {
    const expiresAt = new Date(Date.now() + ttl)
    try {
      await coll.insertOne({ _id: MONGO_MIGRATIONS_LOCK_ID, owner, expiresAt })
      return
    } catch (err) {
      if (!isDuplicateKey(err)) throw err
    }
    // Held: take it over only if its holder stopped renewing it (died).
    const taken = await coll.findOneAndUpdate(
      { _id: MONGO_MIGRATIONS_LOCK_ID, expiresAt: { $lt: new Date() } },
      { $set: { owner, expiresAt } },
    )
    if (taken !== null) return
    if (Date.now() > giveUp) throw new Error(`mongodb: migrations lock still held after ${waitMs} ms`)
    await sleep(pollMs)
  }
}
