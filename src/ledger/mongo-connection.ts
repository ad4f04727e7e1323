/** Connecting to MongoDB: the driver's settings, the replica-set check, and the collections the ledger needs. */
import type { Connection, ConnectOptions, Model, mongo } from 'mongoose'
import { maskUrl, WARM_CONNECTIONS } from './common.js'
import { isMongoUnreachable } from './mongo-errors.js'
import type { Models } from './mongo-models.js'
import { sleep } from './mongo-transactions.js'
import { LedgerUnavailableError } from './port.js'

export interface MongoLedgerOptions {
  log?: (msg: string) => void
  maxPoolSize?: number
  /** How long an operation waits for a usable server before failing (default 1000 ms). */
  serverSelectionTimeoutMS?: number
  /** Told of every command sent to the server (driver command monitoring), e.g. to check write concerns. */
  onCommand?: (commandName: string, command: mongo.Document) => void
}

/** Fail-fast driver settings of the adapter's connection. */
export function mongoConnectOptions(opts: MongoLedgerOptions): ConnectOptions {
  return {
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
    // Kept open however idle; the driver opens them in the background once the server is known.
    minPoolSize: Math.min(WARM_CONNECTIONS, opts.maxPoolSize ?? 20),
    retryWrites: true,
    appName: 'seatlock',
    // Never queue operations behind a dead connection; indexes / collections are made in init().
    bufferCommands: false,
    autoIndex: false,
    autoCreate: false,
    ...(opts.onCommand ? { monitorCommands: true } : {}),
  }
}

/** The ledger needs multi-document transactions: a replica set or mongos, never a standalone server. */
export async function assertTransactionsSupported(conn: Connection, url: string): Promise<void> {
  const db = conn.db
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
      `MongoDB at ${maskUrl(url)} is a standalone server, but the ledger needs multi-document ` +
        'transactions, which need a replica set (or mongos): run `docker compose up -d` in this repo to ' +
        'start a single-node replica set, or start mongod with --replSet rs0 and run rs.initiate() once',
    )
  }
}

/** Create collections and indexes; safe when many processes start at once (both are idempotent). */
export async function createCollectionsAndIndexes(m: Models): Promise<void> {
  const models: Model<never>[] = [
    m.Event,
    m.Section,
    m.SectionCount,
    m.SeatMap,
    m.Reservation,
    m.SoldSeat,
    m.Block,
    m.BlockedSeat,
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
