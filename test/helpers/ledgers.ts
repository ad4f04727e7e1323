/**
 * Ledgers for tests. PostgreSQL always; MongoDB when MONGO_URL is set or when mongodb-memory-server-core
 * finds a mongod binary already on this machine (it never downloads one here).
 *
 *   const targets = await ledgerTargets(t)
 *   for (const target of targets) {
 *     t.test(target.name, { skip: target.skip }, async (t) => {
 *       const ledger = await openLedger(t, target)
 *       ...
 *     })
 *   }
 */
import { randomBytes } from 'node:crypto'
import mongoose from 'mongoose'
import type { mongo } from 'mongoose'
import pg from 'pg'
import type { Test } from 'tap'
import type { Ledger } from '../../src/ledger/port.js'
import { maskUrl } from '../../src/ledger/common.js'
import { postgresConnectionString } from '../../src/ledger/pg-pool.js'
import { createLedger, ensurePostgresDatabase } from '../../src/ledger/select.js'

export interface LedgerTarget {
  name: 'postgres' | 'mongodb'
  url: string | null
  skip: string | false
}

export const DEFAULT_TEST_PG_URL = 'postgres://127.0.0.1:5432/seatlock_test'

/** The PostgreSQL test database (TEST_PG_URL or the local default), created if missing. */
export async function postgresTarget(): Promise<LedgerTarget> {
  const url = process.env.TEST_PG_URL || DEFAULT_TEST_PG_URL
  try {
    await ensurePostgresDatabase(url)
  } catch (err) {
    const why = err instanceof Error ? err.message || err.name : String(err)
    throw new Error(
      `PostgreSQL for tests at ${maskUrl(url)} is not reachable (${why}): start it (docker compose up -d) ` +
        'or set TEST_PG_URL',
      { cause: err },
    )
  }
  return { name: 'postgres', url, skip: false }
}

/**
 * An empty PostgreSQL database of this test's own (beside the test database), dropped afterwards. Returns its
 * URL. For what only a new database shows: migrations from nothing, plans made on empty tables.
 */
export async function freshPostgresDatabase(t: Test, tag: string): Promise<string> {
  const { url: base } = await postgresTarget()
  const url = new URL(base as string)
  const name = `${url.pathname.slice(1)}_${tag}`.slice(0, 63)
  const admin = new pg.Client({ connectionString: postgresConnectionString(base as string) })
  await admin.connect()
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
  await admin.query(`CREATE DATABASE "${name}"`)
  t.teardown(async () => {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
    await admin.end()
  })
  url.pathname = `/${name}`
  return url.toString()
}

/** A MongoDB database of this test's own beside the test database, dropped afterwards: its URL and a handle. */
export async function freshMongoDatabase(
  t: Test,
  base: string,
  tag: string,
): Promise<{ url: string; db: mongo.Db }> {
  const url = new URL(base)
  url.pathname = `/seatlock_${tag}_${randomBytes(4).toString('hex')}`
  const conn = await mongoose.createConnection(url.toString()).asPromise()
  const db = conn.db
  if (!db) throw new Error('no database handle')
  t.teardown(async () => {
    await db.dropDatabase()
    await conn.close()
  })
  return { url: url.toString(), db }
}

/**
 * MongoDB: MONGO_URL when set (must be a replica set), else an in-memory single-node replica set when a
 * mongod binary already exists (MONGOMS_SYSTEM_BINARY or the mongodb-memory-server cache). Otherwise a
 * skip reason, which is also printed as a comment. The memory server is stopped in t's teardown.
 */
export async function mongoTarget(t: Test): Promise<LedgerTarget> {
  const given = process.env.MONGO_URL
  if (given !== undefined && given.trim() !== '') return { name: 'mongodb', url: given.trim(), skip: false }

  // Never download a binary from a test run, whatever the environment says.
  process.env.MONGOMS_RUNTIME_DOWNLOAD = 'false'
  let skip: string
  try {
    const mms = await import('mongodb-memory-server-core')
    try {
      // Only looks on disk (MONGOMS_SYSTEM_BINARY, download cache); throws at once when nothing is there.
      await mms.MongoBinary.getPath()
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err)
      throw new Error(`no mongod binary on this machine (${why})`, { cause: err })
    }
    const replSet = await mms.MongoMemoryReplSet.create({
      replSet: { count: 1, storageEngine: 'wiredTiger' },
    })
    t.teardown(async () => {
      await replSet.stop()
    })
    return { name: 'mongodb', url: replSet.getUri('seatlock_test'), skip: false }
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err)
    skip =
      `MongoDB ledger tests skipped: MONGO_URL is not set and no in-memory replica set could start: ${why}. ` +
      'Set MONGO_URL to a replica set (docker compose up -d) or MONGOMS_SYSTEM_BINARY to a mongod binary.'
  }
  t.comment(skip)
  return { name: 'mongodb', url: null, skip }
}

/** Every ledger to run shared tests against: postgres always, mongodb or a skip reason. */
export async function ledgerTargets(t: Test): Promise<LedgerTarget[]> {
  return [await postgresTarget(), await mongoTarget(t)]
}

/** A connected, initialised ledger for target, closed in t's teardown. */
export async function openLedger(t: Test, target: LedgerTarget): Promise<Ledger> {
  if (target.url === null) {
    throw new Error(`ledger target ${target.name} is not available: ${target.skip || 'no URL'}`)
  }
  const ledger = await createLedger(target.url)
  t.teardown(() => ledger.close())
  await ledger.init()
  return ledger
}

/**
 * A connected ledger on a database of this test's own, for ledger-wide work another test file must not
 * touch: every test file's instances run the same jobs against the shared test database, each under its
 * own Redis prefix (another deployment, in production terms), and a job finds work by asking the ledger.
 */
export async function ledgerOfItsOwn(t: Test, target: LedgerTarget, tag: string): Promise<Ledger> {
  if (target.url === null) return openLedger(t, target)
  const url =
    target.name === 'postgres'
      ? await freshPostgresDatabase(t, tag)
      : (await freshMongoDatabase(t, target.url, tag)).url
  return openLedger(t, { ...target, url })
}
