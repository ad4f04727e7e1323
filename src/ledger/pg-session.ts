import type { PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg'
import { withinTime } from '../lib/patient-timeout.js'
import { PgDeadlineError, isPgConnectionBroken } from './pg-errors.js'
import { LEDGER_CALL_BUDGET_MS, SLOW_QUERY_TIMEOUT_MS } from './pg-pool.js'

/** pg reads query_timeout per query (the client-side read timeout); @types/pg does not declare it. */
interface TimedQueryConfig extends QueryConfig {
  query_timeout: number
}

/**
 * One checkout of a pooled client, every statement bounded on the client side by one deadline for the
 * whole call. A statement the client stopped waiting for may still run (or sit in a frozen server's
 * socket buffer): the connection is then marked broken, so it is destroyed instead of going back to the
 * pool where the next statement would queue behind the abandoned one.
 */
export class Session {
  /** Why the connection must not be reused; set once. */
  broken: Error | undefined
  /** Inside BEGIN ... COMMIT: a statement not sent leaves the transaction open on the connection. */
  inTransaction = false
  /** Set by the first slow statement: from then on this is an admin call with the long per-statement limit. */
  private slow = false

  constructor(
    private readonly client: PoolClient,
    private readonly deadline: number,
  ) {}

  markBroken(err: unknown): void {
    this.broken ??= err instanceof Error ? err : new Error(String(err))
  }

  /**
   * A request-path statement: waits at most until the call's deadline. `prepared`: run it as the named
   * prepared statement of that name (prepared on this connection the first time, then only bound and
   * executed); always give one name the same text.
   */
  async query<R extends QueryResultRow = QueryResultRow>(
    text: string,
    values: unknown[] = [],
    prepared?: string,
  ): Promise<QueryResult<R>> {
    // pg's own read timeout bounds only the slow statements: on the request path it fires on a busy event
    // loop before the answer already waiting in the socket is read (see lib/patient-timeout.ts).
    const config: TimedQueryConfig = { text, values, query_timeout: SLOW_QUERY_TIMEOUT_MS }
    if (prepared !== undefined) config.name = prepared
    const timeout = this.deadline - Date.now()
    if (!this.slow && timeout <= 0) {
      const err = new PgDeadlineError(`ledger call took over ${LEDGER_CALL_BUDGET_MS} ms`)
      // Nothing was sent: the connection is healthy unless a transaction is left open on it.
      if (this.inTransaction) this.markBroken(err)
      throw err
    }
    try {
      if (this.slow) return await this.client.query<R>(config)
      // A statement given up on may still run, or sit in a frozen server's socket: the connection is then
      // marked broken below, so it is destroyed, and the statement's late end is dropped.
      return await withinTime(
        this.client.query<R>(config),
        timeout,
        () => new PgDeadlineError(`no answer from the ledger within ${LEDGER_CALL_BUDGET_MS} ms`),
      )
    } catch (err) {
      if (isPgConnectionBroken(err)) this.markBroken(err)
      throw err
    }
  }

  /**
   * A statement allowed to run longer than the request-path budget (schema creation, big events). Run
   * after `SET LOCAL statement_timeout = SLOW_STATEMENT_TIMEOUT_MS`; the rest of the transaction, COMMIT
   * included, keeps the long limit.
   */
  async slowQuery<R extends QueryResultRow = QueryResultRow>(
    text: string,
    values: unknown[] = [],
  ): Promise<QueryResult<R>> {
    this.slow = true
    return this.query<R>(text, values)
  }
}
