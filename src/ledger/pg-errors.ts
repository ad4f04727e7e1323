import { LedgerUnavailableError } from './port.js'

/**
 * The client-side deadline of a ledger call ran out: before a statement could be sent, or before the
 * statement sent was answered (see pg-session.ts). Answered as unavailable.
 */
export class PgDeadlineError extends Error {
  override name = 'PgDeadlineError'
}

/** SQLSTATE codes this adapter looks at. */
export const PG = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  duplicateDatabase: '42P04',
  undefinedTable: '42P01',
  queryCanceled: '57014',
  lockNotAvailable: '55P03',
  invalidStatementName: '26000',
} as const

/** Socket-level error codes that mean "the server cannot be reached". */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
])

/** SQLSTATEs meaning the server is gone, refusing work, or timed out: answer 503, not 500. */
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up / shutting down / recovery)
  '57P04', // database_dropped
  '57P05', // idle_session_timeout
  '53300', // too_many_connections
  '53400', // configuration_limit_exceeded
  '3D000', // invalid_catalog_name: the database does not exist
  PG.queryCanceled, // statement_timeout fired
  PG.lockNotAvailable, // lock_timeout fired
  '25P03', // idle_in_transaction_session_timeout
  // A prepared statement this connection made is gone from the server (DEALLOCATE, or a pooler in transaction
  // mode that moved the connection: PG_PREPARED_STATEMENTS=off is for those). The connection is dropped and
  // the call tried once more on another (PgClient.retried); if every try meets it, the ledger is unusable.
  PG.invalidStatementName,
])

/** Messages pg / pg-pool use for client-side connection failures (they carry no code). */
const UNAVAILABLE_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'connection terminated',
  'Query read timeout',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'Cannot use a pool after calling end on the pool',
  'Connection timeout',
  'the database system is',
  'server closed the connection unexpectedly',
]

export function pgCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined
  const code = (err as { code?: unknown }).code
  return typeof code === 'string' ? code : undefined
}

export function pgConstraint(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined
  const constraint = (err as { constraint?: unknown }).constraint
  return typeof constraint === 'string' ? constraint : undefined
}

/** True when the error says the connection to PostgreSQL failed or timed out (not a data error). */
export function isPgUnavailable(err: unknown): boolean {
  if (err instanceof LedgerUnavailableError || err instanceof PgDeadlineError) return true
  if (!(err instanceof Error)) return false
  const code = pgCode(err)
  if (code !== undefined) {
    if (NETWORK_CODES.has(code)) return true
    if (UNAVAILABLE_SQLSTATES.has(code)) return true
    // Class 08: connection exception. Class 28: invalid authorization (at connect time).
    if (/^(08|28)[0-9A-Z]{3}$/.test(code)) return true
  }
  if (UNAVAILABLE_MESSAGES.some((m) => err.message.includes(m))) return true
  // AggregateError from net when every address of a host refused (e.g. localhost -> ::1 and 127.0.0.1).
  if (err instanceof AggregateError) return err.errors.some((e) => isPgUnavailable(e))
  const cause = (err as { cause?: unknown }).cause
  return cause !== undefined && cause !== err && isPgUnavailable(cause)
}

/** True when the client that produced this error must not go back to the pool. */
export function isPgConnectionBroken(err: unknown): boolean {
  const code = pgCode(err)
  // A statement/lock timeout is answered by the server; the connection is healthy.
  if (code === PG.queryCanceled || code === PG.lockNotAvailable || code === '25P03') return false
  return isPgUnavailable(err)
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const code = pgCode(err)
  const message =
    err.message || (err instanceof AggregateError ? err.errors.map(describe).join('; ') : err.name)
  return code !== undefined && !message.includes(code) ? `${message} (${code})` : message
}

/** Wrap connection-level failures in LedgerUnavailableError; return every other error unchanged. */
export function mapPgError(err: unknown): unknown {
  if (err instanceof LedgerUnavailableError) return err
  if (isPgUnavailable(err))
    return new LedgerUnavailableError(`postgres unavailable: ${describe(err)}`, { cause: err })
  return err
}
