/**
 * Choosing and connecting a ledger from the configuration, plus the small adapter-neutral helpers both
 * adapters share (confirm planning, cursors, event checks). Adapters are loaded with dynamic import so a
 * process using PostgreSQL never loads mongoose and vice versa.
 */
import { InvalidCursorError } from './port.js'
import type { EventDefinition, Item, Ledger, SectionDefinition, SectionKind } from './port.js'
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

/** The URL with any password replaced by ***, safe to log. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') {
      parsed.password = '***'
      return parsed.toString()
    }
    return url
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@')
  }
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

/** Build the adapter for a URL (not connected yet; call init()). */
export async function createLedger(
  url: string,
  log: (msg: string) => void = () => undefined,
): Promise<Ledger> {
  if (ledgerKindOf(url) === 'mongodb') {
    const { createMongoLedger } = await import('./mongo.js')
    return createMongoLedger(url, { log })
  }
  const { createPostgresLedger } = await import('./postgres.js')
  return createPostgresLedger(url, { log })
}

async function open(url: string, log: (msg: string) => void): Promise<Ledger> {
  const ledger = await createLedger(url, log)
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
  const { postgresConnectionString } = await import('./postgres.js')
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
  config: Pick<Config, 'ledgerUrl' | 'production'>,
  log: (msg: string) => void,
): Promise<Ledger> {
  if (config.ledgerUrl !== undefined) {
    const url = config.ledgerUrl
    const kind = ledgerKindOf(url)
    try {
      // Outside production, a missing database is created (as for the local default).
      if (kind === 'postgres' && !config.production) await ensurePostgresDatabase(url).catch(() => undefined)
      const ledger = await open(url, log)
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
    const ledger = await open(DEFAULT_MONGO_URL, log)
    log(`ledger: LEDGER_URL not set; using MongoDB at ${DEFAULT_MONGO_URL}`)
    return ledger
  } catch (err) {
    mongoReason = oneLine(err)
  }
  let pgReason: string
  try {
    await ensurePostgresDatabase(DEFAULT_POSTGRES_URL)
    const ledger = await open(DEFAULT_POSTGRES_URL, log)
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

// ---------------------------------------------------------------------------------------------------
// Helpers shared by both adapters (pure, no I/O)
// ---------------------------------------------------------------------------------------------------

export const MAX_PAGE = 1000

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Parse a date given by a caller and return it as ISO 8601 UTC with milliseconds. */
export function isoInput(value: string, what: string): string {
  const time = Date.parse(value)
  if (Number.isNaN(time)) throw new Error(`${what} is not a valid date: ${value}`)
  return new Date(time).toISOString()
}

export interface SectionUnits {
  section: string
  kind: SectionKind
  units: number
}

export interface ConfirmPlan {
  /** The items, reduced to their known fields. */
  items: Item[]
  /** Every seat, sorted by (section, seat) so concurrent transactions lock in one order. */
  seats: { section: string; seat: string }[]
  /** Units per section, sorted by section id. */
  sections: SectionUnits[]
}

/** Validate and normalise a confirm's items. Bad input here is a programmer error (plain Error). */
export function planConfirm(items: Item[]): ConfirmPlan {
  if (!Array.isArray(items) || items.length === 0) throw new Error('confirm: items must not be empty')
  const normalized: Item[] = []
  const seats: { section: string; seat: string }[] = []
  const seen = new Set<string>()
  const units = new Map<string, SectionUnits>()
  for (const item of items) {
    let kind: SectionKind
    let n: number
    if ('seats' in item) {
      if (!Array.isArray(item.seats) || item.seats.length === 0) {
        throw new Error(`confirm: item for section ${item.section} has no seats`)
      }
      for (const seat of item.seats) {
        const key = `${item.section}\u0000${seat}`
        if (seen.has(key)) throw new Error(`confirm: seat ${item.section}/${seat} is listed twice`)
        seen.add(key)
        seats.push({ section: item.section, seat })
      }
      kind = 'seated'
      n = item.seats.length
      normalized.push({ section: item.section, seats: [...item.seats] })
    } else {
      if (!Number.isSafeInteger(item.quantity) || item.quantity < 1) {
        throw new Error(`confirm: item for section ${item.section} has an invalid quantity`)
      }
      kind = 'ga'
      n = item.quantity
      normalized.push({ section: item.section, quantity: item.quantity })
    }
    const entry = units.get(item.section)
    if (entry === undefined) units.set(item.section, { section: item.section, kind, units: n })
    else if (entry.kind !== kind) throw new Error(`confirm: section ${item.section} mixes seats and quantity`)
    else entry.units += n
  }
  seats.sort((a, b) => compareStrings(a.section, b.section) || compareStrings(a.seat, b.seat))
  const sections = [...units.values()].sort((a, b) => compareStrings(a.section, b.section))
  return { items: normalized, seats, sections }
}

/** Units per section of a stored reservation (given back on cancel), sorted by section id. */
export function unitsBySection(items: Item[]): { section: string; units: number }[] {
  const units = new Map<string, number>()
  for (const item of items) {
    const n = 'seats' in item ? item.seats.length : item.quantity
    units.set(item.section, (units.get(item.section) ?? 0) + n)
  }
  return [...units.entries()]
    .map(([section, n]) => ({ section, units: n }))
    .sort((a, b) => compareStrings(a.section, b.section))
}

/** Opaque keyset cursor: base64url of [createdAt, id] of the last item of a page. */
export function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id]), 'utf8').toString('base64url')
}

/** Throws InvalidCursorError for anything encodeCursor did not produce. */
export function decodeCursor(cursor: string): { createdAt: string; id: string } {
  if (/^[A-Za-z0-9_-]{1,2000}$/.test(cursor)) {
    try {
      const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
      if (Array.isArray(value) && value.length === 2) {
        const [createdAt, id] = value as unknown[]
        if (
          typeof createdAt === 'string' &&
          typeof id === 'string' &&
          id.length > 0 &&
          /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(createdAt) &&
          !Number.isNaN(Date.parse(createdAt))
        ) {
          return { createdAt, id }
        }
      }
    } catch {
      // not JSON: invalid below
    }
  }
  throw new InvalidCursorError('invalid cursor')
}

/** Page size for listReservations: a positive integer, capped at MAX_PAGE. */
export function pageSize(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`limit must be a positive integer, got ${limit}`)
  return Math.min(limit, MAX_PAGE)
}

/** Check an event definition before storing it; returns a normalised copy (ISO dates, known fields only). */
export function normalizeEvent(event: EventDefinition): EventDefinition {
  if (!Array.isArray(event.sections) || event.sections.length === 0) {
    throw new Error('createEvent: an event needs at least one section')
  }
  const ids = new Set<string>()
  const sections: SectionDefinition[] = event.sections.map((s) => {
    if (ids.has(s.id)) throw new Error(`createEvent: section id ${s.id} is used twice`)
    ids.add(s.id)
    if (!Number.isSafeInteger(s.capacity) || s.capacity < 1) {
      throw new Error(`createEvent: section ${s.id} has an invalid capacity`)
    }
    if (s.kind === 'seated') {
      if (!Array.isArray(s.seats) || s.seats.length !== s.capacity) {
        throw new Error(`createEvent: seated section ${s.id} must list exactly capacity seats`)
      }
      if (new Set(s.seats).size !== s.seats.length)
        throw new Error(`createEvent: section ${s.id} repeats a seat`)
      return {
        id: s.id,
        name: s.name,
        kind: s.kind,
        price: s.price,
        capacity: s.capacity,
        seats: [...s.seats],
      }
    }
    if (s.kind !== 'ga') throw new Error(`createEvent: section ${s.id} has an unknown kind`)
    return { id: s.id, name: s.name, kind: s.kind, price: s.price, capacity: s.capacity }
  })
  return {
    id: event.id,
    name: event.name,
    startsAt: event.startsAt === null ? null : isoInput(event.startsAt, 'startsAt'),
    currency: event.currency,
    sections,
    createdAt: isoInput(event.createdAt, 'createdAt'),
  }
}
