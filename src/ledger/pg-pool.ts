/** How the PostgreSQL adapter connects: the pool's settings and the time budgets every ledger call lives within. */
import os from 'node:os'
import type { PoolConfig } from 'pg'

/**
 * Client-side budget of one ledger call on the request path: waiting for a pooled connection plus every
 * statement of the transaction (BEGIN ... COMMIT, retries included). The contract answers an unreachable
 * ledger with a 503 "within about a second", and statement_timeout cannot fire on a frozen or partitioned
 * server, so the client has to give up by itself.
 */
export const LEDGER_CALL_BUDGET_MS = 1000
/** Timeouts for the rare, possibly large admin statements (schema creation, big events). */
export const SLOW_STATEMENT_TIMEOUT_MS = 30_000
/** Client-side bound of a slow statement: later than the server's, so the server cancels it cleanly first. */
export const SLOW_QUERY_TIMEOUT_MS = SLOW_STATEMENT_TIMEOUT_MS + 5000

function currentOsUser(): string {
  try {
    return os.userInfo().username || 'postgres'
  } catch {
    return 'postgres'
  }
}

/**
 * The connection string pg should use. When the URL names no user (and PGUSER is unset) the OS user is
 * filled in: pg would otherwise fall back to $USER, which may be empty.
 */
export function postgresConnectionString(url: string): string {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return url
  }
  if (parsed.username === '' && !process.env.PGUSER && parsed.hostname !== '') {
    parsed.username = currentOsUser()
  }
  return parsed.toString()
}

/** Fail-fast settings of the adapter's pool. */
export function postgresPoolConfig(url: string, max = 20, applicationName = 'seatlock'): PoolConfig {
  return {
    connectionString: postgresConnectionString(url),
    max,
    // Waiting for a connection (new or from a busy pool) fails after 1 s instead of queueing forever.
    connectionTimeoutMillis: LEDGER_CALL_BUDGET_MS,
    idleTimeoutMillis: 30_000,
    // The client stops waiting when a call's budget runs out (each query carries its own query_timeout;
    // this default only bounds one that would not). The server stops a statement after the same time, so
    // a statement the client gave up on does not keep its row locks for long after.
    statement_timeout: LEDGER_CALL_BUDGET_MS,
    query_timeout: LEDGER_CALL_BUDGET_MS,
    // A process that dies or pauses inside a transaction must not hold row locks for long.
    idle_in_transaction_session_timeout: 10_000,
    application_name: applicationName,
    keepAlive: true,
  }
}
