/**
 * The PostgreSQL adapter's connections: one pool, every call bounded by one deadline (waiting for a client
 * included), clients that errored or were abandoned destroyed instead of reused, and transactions retried
 * whole on deadlock or serialization failure.
 */
import { Pool } from 'pg'
import type { PoolClient, QueryResultRow } from 'pg'
import { LedgerUnavailableError } from './port.js'
import { withinTime } from '../lib/patient-timeout.js'
import { PG, PgDeadlineError, mapPgError, pgCode } from './pg-errors.js'
import { WARM_CONNECTIONS } from './common.js'
import { LEDGER_CALL_BUDGET_MS, postgresPoolConfig } from './pg-pool.js'
import { Session } from './pg-session.js'

export interface PgClientOptions {
  log?: (msg: string) => void
  /** Pool size (default 20). */
  max?: number
  /** application_name of the connections (default "seatlock"), e.g. to find them in pg_stat_activity. */
  applicationName?: string
  /** Connections opened by warm() and kept open however idle (default WARM_CONNECTIONS). */
  warmConnections?: number
  /**
   * Whether statements that ask for it run as named prepared statements (default true). Off for a
   * connection pooler that cannot keep them: PgBouncer in transaction mode before 1.21, or with
   * `max_prepared_statements = 0`.
   */
  preparedStatements?: boolean
}

const MAX_TX_ATTEMPTS = 3
/**
 * Tried again: a deadlock or serialization failure (the whole call), and a prepared statement missing on the
 * server (on another connection, which prepares it again).
 */
const RETRIED_CODES: ReadonlySet<string> = new Set([
  PG.deadlockDetected,
  PG.serializationFailure,
  PG.invalidStatementName,
])

export class PgClient {
  private readonly pool: Pool
  readonly log: (msg: string) => void
  private closed = false
  private readonly warmConnections: number
  private readonly preparedStatements: boolean
  /** The first error each client emitted: such a client is destroyed when it is released. */
  private readonly clientErrors = new WeakMap<PoolClient, Error>()
  /** Clients checked out of the pool (the pool itself reports errors of idle ones). */
  private readonly checkedOut = new WeakSet<PoolClient>()

  constructor(url: string, opts: PgClientOptions = {}) {
    this.log = opts.log ?? (() => undefined)
    const max = opts.max ?? 20
    // pg-pool requires min <= max.
    this.warmConnections = Math.min(opts.warmConnections ?? WARM_CONNECTIONS, max)
    this.preparedStatements = opts.preparedStatements ?? true
    this.pool = new Pool(postgresPoolConfig(url, max, opts.applicationName, this.warmConnections))
    // An idle client losing its connection (server restart, network) must not crash the process.
    this.pool.on('error', (err) => this.log(`postgres: idle client error: ${err.message}`))
    // Every client gets a listener for its whole life, as soon as it exists. pg-pool takes its own
    // listener off a client when handing it out, and the checkout resolves a promise: the caller resumes
    // only after the socket read that completed the connection has been parsed to its end. A FATAL
    // (57P01 admin shutdown, pg_terminate_backend) in that same read as ReadyForQuery is emitted before
    // anyone could listen, and an 'error' event without a listener kills the process.
    this.pool.on('connect', (client) => {
      client.on('error', (err: Error) => {
        if (this.clientErrors.has(client)) return
        this.clientErrors.set(client, err)
        if (this.checkedOut.has(client)) this.log(`postgres: client error: ${err.message}`)
      })
    })
    this.pool.on('acquire', (client) => this.checkedOut.add(client))
    this.pool.on('release', (_err, client) => this.checkedOut.delete(client))
  }

  /**
   * Run fn on one pooled client, every statement bounded by `deadline` (waiting for the client counts
   * too). A client that errored, or whose statement was abandoned, is destroyed instead of going back
   * to the pool.
   */
  async withClient<T>(
    fn: (db: Session) => Promise<T>,
    deadline = Date.now() + LEDGER_CALL_BUDGET_MS,
  ): Promise<T> {
    if (this.closed) throw new LedgerUnavailableError('postgres ledger is closed')
    let client: PoolClient
    try {
      // Timed here, patiently (the pool's own timer is only a backstop: see pg-pool.ts); a connection that
      // comes after the verdict goes straight back to the pool.
      client = await withinTime(
        this.pool.connect(),
        deadline - Date.now(),
        () => new PgDeadlineError(`no ledger connection within ${LEDGER_CALL_BUDGET_MS} ms`),
        (late) => late.release(),
      )
    } catch (err) {
      throw mapPgError(err)
    }
    const db = new Session(client, deadline)
    try {
      return await fn(db)
    } catch (err) {
      throw mapPgError(err)
    } finally {
      client.release(db.broken ?? this.clientErrors.get(client))
    }
  }

  /**
   * Opens the warm connections (all at once), so that the first rush finds them open; the pool keeps
   * them however idle. Best effort: a connection that fails now is made later, when needed.
   */
  async warm(): Promise<void> {
    const opened = await Promise.allSettled(
      Array.from({ length: this.warmConnections }, () => this.pool.connect()),
    )
    for (const result of opened) if (result.status === 'fulfilled') result.value.release()
  }

  /**
   * Runs fn on a client; again (whole) on deadlock / serialization failure, or on another client when a
   * prepared statement was missing on the server, every attempt within the same deadline: a client waiting
   * for a dead server must learn it once, not once per attempt.
   */
  private async retried<T>(fn: (db: Session) => Promise<T>): Promise<T> {
    const deadline = Date.now() + LEDGER_CALL_BUDGET_MS
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.withClient(fn, deadline)
      } catch (err) {
        // A missing prepared statement is answered as unavailable (its connection dropped): the code is
        // its cause's.
        const code = pgCode(err) ?? pgCode(err instanceof LedgerUnavailableError ? err.cause : undefined)
        if (code !== undefined && RETRIED_CODES.has(code) && attempt < MAX_TX_ATTEMPTS) continue
        throw err
      }
    }
  }

  /** One transaction, retried (see retried). */
  async tx<T>(fn: (db: Session) => Promise<T>): Promise<T> {
    return this.retried(async (db) => {
      await db.query('BEGIN')
      db.inTransaction = true
      let result: T
      try {
        result = await fn(db)
      } catch (err) {
        // A broken connection is destroyed, which ends its transaction on the server. If ROLLBACK
        // fails, the same happens, and err (what the transaction learnt) is still the answer.
        if (db.broken === undefined) await db.query('ROLLBACK').catch((e: unknown) => db.markBroken(e))
        throw err
      }
      await db.query('COMMIT')
      db.inTransaction = false
      return result
    })
  }

  /**
   * One statement, which is its own transaction (no BEGIN/COMMIT round trips), retried (see retried).
   * `prepared`: the name to run it under as a prepared statement (see Session.query), when they are on.
   * A hot statement gains by it: PostgreSQL parses, analyses and plans the text once per connection
   * instead of at every call (for the confirm batch, about 150 µs of its CPU a call).
   */
  async statement<R extends QueryResultRow>(sql: string, params: unknown[], prepared?: string): Promise<R[]> {
    const name = this.preparedStatements ? prepared : undefined
    return this.retried(async (db) => (await db.query<R>(sql, params, name)).rows)
  }

  /** One statement, not retried. */
  async query<R extends QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    return this.withClient(async (db) => (await db.query<R>(sql, params)).rows)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.pool.end()
  }
}
