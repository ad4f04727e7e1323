/**
 * Choosing and connecting a ledger from the configuration. Adapters are loaded with dynamic import so a
 * process using PostgreSQL never loads mongoose and vice versa.
 */
import { maskUrl } from './common.js'
import type { Ledger } from './port.js'
import type { Config } from '../config.js'

// ---------------------------------------------------------------------------------------------------
// Connecting
// ---------------------------------------------------------------------------------------------------

/** The ledger could not be connected / initialised at start-up. The message is one printable line. */
export class LedgerConnectError extends Error {
  override name = 'LedgerConnectError'
}

export const DEFAULT_MONGO_URL = 'mongodb://127.0.0.1:27017/seatlock'
export const DEFAULT_POSTGRES_URL = 'postgres://127.0.0.1:5432/seatlock'
const HINT = 'start one with `docker compose up -d`'

export type LedgerKind = Ledger['kind']

export function ledgerKindOf(url: string): LedgerKind {
  if (/^mongodb(\+srv)?:\/\//i.test(url)) return 'mongodb'
  if (/^postgres(ql)?:\/\//i.test(url)) return 'postgres'
  throw new LedgerConnectError(
    `unsupported ledger URL ${maskUrl(url)}: use mongodb://, mongodb+srv://, postgres:// or postgresql://`,
  )
}

function oneLine(err: unknown): string {
  let message = err instanceof Error ? err.message : String(err)
  if (err instanceof AggregateError && message === '') {
    message = err.errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; ')
  }
  const cause = err instanceof Error ? (err as { cause?: unknown }).cause : undefined
  if (message === '' && cause !== undefined) return oneLine(cause)
  return message.replace(/\s+/g, ' ').trim() || (err instanceof Error ? err.name : 'unknown error')
}

/** Settings of one adapter, from the configuration. */
export type LedgerSettings = Pick<Config, 'pgPreparedStatements'>

/** Build the adapter for a URL (not connected yet; call init()). */
export async function createLedger(
  url: string,
  log: (msg: string) => void = () => undefined,
  settings: Partial<LedgerSettings> = {},
): Promise<Ledger> {
  if (ledgerKindOf(url) === 'mongodb') {
    const { createMongoLedger } = await import('./mongo.js')
    return createMongoLedger(url, { log })
  }
  const { createPostgresLedger } = await import('./postgres.js')
  return createPostgresLedger(url, { log, preparedStatements: settings.pgPreparedStatements })
}

async function open(
  url: string,
  log: (msg: string) => void,
  settings: Partial<LedgerSettings>,
): Promise<Ledger> {
  const ledger = await createLedger(url, log, settings)
  try {
    await ledger.init()
    return ledger
  } catch (err) {
    await ledger.close().catch(() => undefined)
    throw err
  }
}

/**
 * Create the database named in a postgres URL when it does not exist (connecting to the `postgres`
 * maintenance database). Tolerates another process creating it at the same time.
 */
export async function ensurePostgresDatabase(url: string): Promise<void> {
  const { Client } = await import('pg')
  const { postgresConnectionString } = await import('./pg-pool.js')
  const target = new URL(url)
  const database = decodeURIComponent(target.pathname.replace(/^\//, ''))
  if (database === '' || database === 'postgres') return
  const admin = new URL(url)
  admin.pathname = '/postgres'
  const client = new Client({
    connectionString: postgresConnectionString(admin.toString()),
    connectionTimeoutMillis: 1000,
    query_timeout: 5000,
    application_name: 'seatlock',
  })
  // Errors after connect (server going away) must not be unhandled 'error' events.
  client.on('error', () => undefined)
  await client.connect()
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])
    if (found.rowCount === 0) {
      const quoted = '"' + database.replace(/"/g, '""') + '"'
      try {
        await client.query(`CREATE DATABASE ${quoted}`)
      } catch (err) {
        const code = (err as { code?: unknown }).code
        // 42P04 duplicate_database; 23505 when two CREATE DATABASE race on pg_database's unique index.
        if (code !== '42P04' && code !== '23505') throw err
      }
    }
  } finally {
    await client.end().catch(() => undefined)
  }
}

/**
 * Connect the ledger named by the configuration, or (outside production, no LEDGER_URL) the first local
 * default that answers: MongoDB replica set, then PostgreSQL. Throws LedgerConnectError with one line.
 */
export async function connectLedger(
  config: Pick<Config, 'ledgerUrl' | 'production'> & Partial<LedgerSettings>,
  log: (msg: string) => void,
): Promise<Ledger> {
  // Unset settings keep the adapter's defaults.
  const settings: Partial<LedgerSettings> = { pgPreparedStatements: config.pgPreparedStatements }
  if (config.ledgerUrl !== undefined) {
    const url = config.ledgerUrl
    const kind = ledgerKindOf(url)
    try {
      // Outside production, a missing database is created (as for the local default).
      if (kind === 'postgres' && !config.production) await ensurePostgresDatabase(url).catch(() => undefined)
      const ledger = await open(url, log, settings)
      log(`ledger: using ${kind} at ${maskUrl(url)}`)
      return ledger
    } catch (err) {
      throw new LedgerConnectError(
        `cannot use the ${kind} ledger at ${maskUrl(url)} (LEDGER_URL): ${oneLine(err)}; check LEDGER_URL or ${HINT}`,
        { cause: err },
      )
    }
  }
  if (config.production) throw new LedgerConnectError('LEDGER_URL is required when NODE_ENV=production')

  let mongoReason: string
  try {
    const ledger = await open(DEFAULT_MONGO_URL, log, settings)
    log(`ledger: LEDGER_URL not set; using MongoDB at ${DEFAULT_MONGO_URL}`)
    return ledger
  } catch (err) {
    mongoReason = oneLine(err)
  }
  let pgReason: string
  try {
    await ensurePostgresDatabase(DEFAULT_POSTGRES_URL)
    const ledger = await open(DEFAULT_POSTGRES_URL, log, settings)
    log(
      `ledger: LEDGER_URL not set; using PostgreSQL at ${DEFAULT_POSTGRES_URL} ` +
        `(MongoDB at ${DEFAULT_MONGO_URL} skipped: ${mongoReason})`,
    )
    return ledger
  } catch (err) {
    pgReason = oneLine(err)
  }
  throw new LedgerConnectError(
    `no ledger answered: MongoDB at ${DEFAULT_MONGO_URL} (${mongoReason}) and PostgreSQL at ` +
      `${DEFAULT_POSTGRES_URL} (${pgReason}); set LEDGER_URL or ${HINT}`,
  )
}
