/** How the PostgreSQL adapter connects: the pool's settings and the time budgets every ledger call lives within. */
import os from 'node:os'
import type { PoolConfig } from 'pg'
import { WARM_CONNECTIONS } from './common.js'

/**
 * Client-side budget of one ledger call on the request path: waiting for a pooled connection plus every
 * statement of the transaction (BEGIN ... COMMIT, retries included). The contract answers an unreachable
 * ledger with a 503 "within about a second", and statement_timeout cannot fire on a frozen or partitioned
 * server, so the client has to give up by itself.
 */
export const LEDGER_CALL_BUDGET_MS = 1000
/** Idle time after which the OS sends TCP keepalives on a ledger connection. */
export const KEEPALIVE_IDLE_MS = 30_000
/** The pool drops a waiter after this long; the caller itself stops waiting after its call's budget. */
export const POOL_WAIT_BACKSTOP_MS = 5 * LEDGER_CALL_BUDGET_MS
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
export function postgresPoolConfig(
  url: string,
  max = 20,
  applicationName = 'seatlock',
  min = WARM_CONNECTIONS,
): PoolConfig {
  return {
    connectionString: postgresConnectionString(url),
    max,
    // Idle connections beyond `min` are closed after idleTimeoutMillis; these stay (see PgClient.warm).
    min,
    // Waiting for a connection (new or from a busy pool) is timed by the caller, within its call's budget
    // (pg-client.ts, with a timer a busy event loop cannot fire early). The pool's own timer only bounds
    // how long a waiter the caller gave up on stays queued.
    connectionTimeoutMillis: POOL_WAIT_BACKSTOP_MS,
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
    // The warm connections are never closed for idleness: TCP keepalives after 30 s idle (the OS default
    // is 2 h) keep a NAT's or load balancer's idle timer from dropping them silently.
    keepAliveInitialDelayMillis: KEEPALIVE_IDLE_MS,
  }
}
