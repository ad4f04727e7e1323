/**
 * PostgreSQL ledger adapter (pg Pool).
 *
 * Every guarantee lives in a constraint or in the WHERE clause of a statement, so READ COMMITTED is enough:
 * - one reservation per hold: UNIQUE (hold_id), inserted with ON CONFLICT DO NOTHING (which waits for a
 *   concurrent inserter of the same hold and then sees its row);
 * - one sale per seat: PRIMARY KEY (event_id, section_id, seat) on seatlock_sold_seats;
 * - no overselling: UPDATE ... SET remaining = remaining - n WHERE remaining >= n, plus CHECK (remaining >= 0).
 * Rows are locked in one global order (reservation, seats sorted, sections sorted) so confirms and cancels
 * don't deadlock each other; a deadlock or serialization failure that happens anyway is retried.
 */
import os from 'node:os'
import { Pool } from 'pg'
import type { PoolClient, PoolConfig, QueryConfig, QueryResult, QueryResultRow } from 'pg'
import { planConfirm, unitsBySection } from '../domain/confirm-plan.js'
import { CapacityExceededError, EventExistsError, SeatsTakenError } from '../domain/errors.js'
import { normalizeEvent } from '../domain/event.js'
import type { EventDefinition, SectionKind } from '../domain/event.js'
import { isoInput } from '../domain/iso-time.js'
import type { Item } from '../domain/items.js'
import type { Reservation, ReservationStatus } from '../domain/reservation.js'
import { BatchRefusedError, LedgerUnavailableError } from './port.js'
import type { ConfirmInput, ConfirmResult, Ledger, ReservationPage, SoldCounts, SoldState } from './port.js'
import { BATCH_REFUSED_SQLSTATE, CONFIRM_BATCH_FUNCTION } from './pg-confirm-batch.js'
import { PG_MIGRATIONS, appliedMigrations, applyMigrations, upToDate } from './pg-migrations.js'
import { PG, PgDeadlineError, isPgConnectionBroken, mapPgError, pgCode } from './pg-errors.js'
import { batchResults, decodeCursor, mergeBatch, pageFrom, planBatch, pageSize } from './common.js'

export interface PostgresLedgerOptions {
  log?: (msg: string) => void
  /** Pool size (default 20). */
  max?: number
  /** application_name of the connections (default "seatlock"), e.g. to find them in pg_stat_activity. */
  applicationName?: string
}

const MAX_TX_ATTEMPTS = 3
/**
 * Client-side budget of one ledger call on the request path: waiting for a pooled connection plus every
 * statement of the transaction (BEGIN ... COMMIT, retries included). The contract answers an unreachable
 * ledger with a 503 "within about a second", and statement_timeout cannot fire on a frozen or partitioned
 * server, so the client has to give up by itself.
 */
export const LEDGER_CALL_BUDGET_MS = 1000
/** Timeouts for the rare, possibly large admin statements (schema creation, big events). */
const SLOW_STATEMENT_TIMEOUT_MS = 30_000
/** Client-side bound of a slow statement: later than the server's, so the server cancels it cleanly first. */
const SLOW_QUERY_TIMEOUT_MS = SLOW_STATEMENT_TIMEOUT_MS + 5000

const RESERVATION_COLUMNS = `id, hold_id, event_id, holder, items, amount, currency, status, payment_ref, token_hash,
  created_at, cancelled_at`

interface ReservationRow {
  id: string
  hold_id: string
  event_id: string
  holder: string
  items: Item[]
  amount: string | number
  currency: string
  status: ReservationStatus
  payment_ref: string | null
  token_hash: string
  created_at: Date
  cancelled_at: Date | null
}

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

function iso(value: Date | string): string {
  return new Date(value).toISOString()
}

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
class Session {
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

  /** A request-path statement: waits at most until the call's deadline. */
  async query<R extends QueryResultRow = QueryResultRow>(
    text: string,
    values: unknown[] = [],
  ): Promise<QueryResult<R>> {
    let timeout = SLOW_QUERY_TIMEOUT_MS
    if (!this.slow) {
      timeout = this.deadline - Date.now()
      if (timeout <= 0) {
        const err = new PgDeadlineError(`ledger call took over ${LEDGER_CALL_BUDGET_MS} ms`)
        // Nothing was sent: the connection is healthy unless a transaction is left open on it.
        if (this.inTransaction) this.markBroken(err)
        throw err
      }
    }
    const config: TimedQueryConfig = { text, values, query_timeout: timeout }
    try {
      return await this.client.query<R>(config)
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

function toReservation(row: ReservationRow): Reservation {
  return {
    id: row.id,
    holdId: row.hold_id,
    eventId: row.event_id,
    holder: row.holder,
    items: row.items,
    amount: Number(row.amount),
    currency: row.currency,
    status: row.status,
    paymentRef: row.payment_ref,
    tokenHash: row.token_hash,
    createdAt: iso(row.created_at),
    cancelledAt: row.cancelled_at === null ? null : iso(row.cancelled_at),
  }
}

export class PostgresLedger implements Ledger {
  readonly kind = 'postgres' as const
  private readonly pool: Pool
  private readonly log: (msg: string) => void
  private closed = false
  /** The first error each client emitted: such a client is destroyed when it is released. */
  private readonly clientErrors = new WeakMap<PoolClient, Error>()
  /** Clients checked out of the pool (the pool itself reports errors of idle ones). */
  private readonly checkedOut = new WeakSet<PoolClient>()

  constructor(url: string, opts: PostgresLedgerOptions = {}) {
    this.log = opts.log ?? (() => undefined)
    this.pool = new Pool(postgresPoolConfig(url, opts.max ?? 20, opts.applicationName))
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
  private async withClient<T>(
    fn: (db: Session) => Promise<T>,
    deadline = Date.now() + LEDGER_CALL_BUDGET_MS,
  ): Promise<T> {
    if (this.closed) throw new LedgerUnavailableError('postgres ledger is closed')
    let client: PoolClient
    try {
      client = await this.pool.connect()
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
   * One transaction; retried (whole) on deadlock / serialization failure, every attempt within the same
   * deadline: a client waiting for a dead server must learn it once, not once per attempt.
   */
  private async tx<T>(fn: (db: Session) => Promise<T>): Promise<T> {
    const deadline = Date.now() + LEDGER_CALL_BUDGET_MS
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.withClient(async (db) => {
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
        }, deadline)
      } catch (err) {
        const code = pgCode(err)
        if ((code === PG.deadlockDetected || code === PG.serializationFailure) && attempt < MAX_TX_ATTEMPTS)
          continue
        throw err
      }
    }
  }

  /**
   * One statement, which is its own transaction (no BEGIN/COMMIT round trips); retried on deadlock /
   * serialization failure, every attempt within the same deadline.
   */
  private async statement<R extends QueryResultRow>(sql: string, params: unknown[]): Promise<R[]> {
    const deadline = Date.now() + LEDGER_CALL_BUDGET_MS
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.withClient(async (db) => (await db.query<R>(sql, params)).rows, deadline)
      } catch (err) {
        const code = pgCode(err)
        if ((code === PG.deadlockDetected || code === PG.serializationFailure) && attempt < MAX_TX_ATTEMPTS)
          continue
        throw err
      }
    }
  }

  private async query<R extends QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    return this.withClient(async (db) => (await db.query<R>(sql, params)).rows)
  }

  async init(): Promise<void> {
    // Fast path: every step recorded; one SELECT, no lock (the DDL would lock the tables).
    if (upToDate(await this.withClient(appliedMigrations), PG_MIGRATIONS)) return
    await this.tx(async (db) => {
      // Another process may hold the lock while it migrates: the slow limits from here on.
      await db.slowQuery(`SET LOCAL statement_timeout = ${SLOW_STATEMENT_TIMEOUT_MS}`)
      await applyMigrations(db, PG_MIGRATIONS, this.log)
    })
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1')
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.pool.end()
  }

  async createEvent(event: EventDefinition): Promise<void> {
    const def = normalizeEvent(event)
    await this.tx(async (db) => {
      // An event can carry 100 sections of 100,000 seat labels: allow more than the hot-path timeout.
      await db.query(`SET LOCAL statement_timeout = ${SLOW_STATEMENT_TIMEOUT_MS}`)
      const inserted = await db.slowQuery(
        `INSERT INTO seatlock_events (id, name, starts_at, currency, definition, created_at)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6)
         ON CONFLICT (id) DO NOTHING
         RETURNING id`,
        [def.id, def.name, def.startsAt, def.currency, JSON.stringify(def), def.createdAt],
      )
      if (inserted.rowCount !== 1) throw new EventExistsError(`event ${def.id} already exists`)
      await db.slowQuery(
        `INSERT INTO seatlock_sections (event_id, section_id, position, kind, capacity, remaining)
         SELECT $1, u.section_id, u.position, u.kind, u.capacity, u.capacity
         FROM unnest($2::text[], $3::text[], $4::int[]) WITH ORDINALITY AS u(section_id, kind, capacity, position)`,
        [
          def.id,
          def.sections.map((s) => s.id),
          def.sections.map((s) => s.kind),
          def.sections.map((s) => s.capacity),
        ],
      )
    })
  }

  async getEvent(eventId: string): Promise<EventDefinition | null> {
    const rows = await this.query<{ definition: EventDefinition }>(
      'SELECT definition FROM seatlock_events WHERE id = $1',
      [eventId],
    )
    return rows[0]?.definition ?? null
  }

  async countEvents(): Promise<number> {
    const rows = await this.query<{ n: number }>('SELECT count(*)::int AS n FROM seatlock_events')
    return rows[0]?.n ?? 0
  }

  async voidHold(eventId: string, holdId: string, currency: string): Promise<Reservation> {
    return this.tx(async (db) => {
      // Waits for a confirm of the same hold still inserting (unique hold_id), then one of the two wins.
      await db.query(
        `INSERT INTO seatlock_reservations
           (id, hold_id, event_id, holder, items, amount, currency, status, payment_ref, token_hash, created_at)
         VALUES ($1, $2, $3, '(voided)', '[]'::jsonb, 0, $4, 'voided', NULL, '(voided)', now())
         ON CONFLICT DO NOTHING`,
        [`void-${holdId}`, holdId, eventId, currency],
      )
      const rows = await db.query<ReservationRow>(
        `SELECT ${RESERVATION_COLUMNS} FROM seatlock_reservations WHERE hold_id = $1`,
        [holdId],
      )
      const row = rows.rows[0]
      if (!row) throw new Error(`voidHold: no reservation row for hold ${holdId}`)
      return toReservation(row)
    })
  }

  /**
   * One confirm is a batch of one: one round trip. Only when the ledger refuses it (or the input is
   * invalid) does the step-by-step transaction run, to say exactly what was refused.
   */
  async confirm(input: ConfirmInput): Promise<ConfirmResult> {
    try {
      const [result] = await this.confirmBatch([input])
      if (result !== undefined) return result
    } catch (err) {
      if (!(err instanceof BatchRefusedError)) throw err
    }
    return this.confirmExplained(input)
  }

  /** A confirm in steps: slower than the batch function, but its refusal names the seats or section. */
  private async confirmExplained(input: ConfirmInput): Promise<ConfirmResult> {
    const plan = planConfirm(input.items)
    const createdAt = isoInput(input.createdAt, 'createdAt')
    if (!Number.isSafeInteger(input.amount) || input.amount < 0) throw new Error('confirm: invalid amount')
    try {
      return await this.tx(async (db) => {
        // 1. The reservation. ON CONFLICT without a target: every unique index (hold_id and id) is an
        //    arbiter, so a concurrent confirm of the same hold waits for ours and then does nothing.
        const inserted = await db.query<ReservationRow>(
          `INSERT INTO seatlock_reservations
             (id, hold_id, event_id, holder, items, amount, currency, status, payment_ref, token_hash, created_at)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, 'confirmed', $8, $9, $10)
           ON CONFLICT DO NOTHING
           RETURNING ${RESERVATION_COLUMNS}`,
          [
            input.reservationId,
            input.holdId,
            input.eventId,
            input.holder,
            JSON.stringify(plan.items),
            input.amount,
            input.currency,
            input.paymentRef,
            input.tokenHash,
            createdAt,
          ],
        )
        const row = inserted.rows[0]
        if (row === undefined) {
          // Nothing written in this transaction; COMMIT is as good as ROLLBACK.
          const existing = await db.query<ReservationRow>(
            `SELECT ${RESERVATION_COLUMNS} FROM seatlock_reservations WHERE hold_id = $1`,
            [input.holdId],
          )
          const found = existing.rows[0]
          if (found !== undefined) return { reservation: toReservation(found), created: false }
          throw new Error(`confirm: reservation id ${input.reservationId} is already used by another hold`)
        }

        // 2. One row per sold seat. A seat already sold is skipped by DO NOTHING (after waiting for any
        //    transaction still writing it), so the missing rows are exactly the seats that are taken.
        if (plan.seats.length > 0) {
          const sold = await db.query<{ section_id: string; seat: string }>(
            `INSERT INTO seatlock_sold_seats (event_id, section_id, seat, reservation_id)
             SELECT $1, u.section_id, u.seat, $2
             FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS u(section_id, seat, ord)
             ORDER BY u.ord
             ON CONFLICT DO NOTHING
             RETURNING section_id, seat`,
            [
              input.eventId,
              input.reservationId,
              plan.seats.map((s) => s.section),
              plan.seats.map((s) => s.seat),
            ],
          )
          if (sold.rows.length !== plan.seats.length) {
            const written = new Set(sold.rows.map((r) => `${r.section_id}\u0000${r.seat}`))
            throw new SeatsTakenError(plan.seats.filter((s) => !written.has(`${s.section}\u0000${s.seat}`)))
          }
        }

        // 3. The counts, guarded in the WHERE clause so they never go below zero.
        for (const s of plan.sections) {
          const updated = await db.query<{ kind: SectionKind }>(
            `UPDATE seatlock_sections SET remaining = remaining - $3
             WHERE event_id = $1 AND section_id = $2 AND remaining >= $3
             RETURNING kind`,
            [input.eventId, s.section, s.units],
          )
          const kind = updated.rows[0]?.kind
          if (kind === undefined) {
            const known = await db.query(
              'SELECT 1 FROM seatlock_sections WHERE event_id = $1 AND section_id = $2',
              [input.eventId, s.section],
            )
            if (known.rowCount === 0)
              throw new Error(`confirm: unknown section ${input.eventId}/${s.section}`)
            throw new CapacityExceededError(s.section, s.units)
          }
          if (kind !== s.kind)
            throw new Error(`confirm: section ${s.section} is ${kind}, the item is ${s.kind}`)
        }
        return { reservation: toReservation(row), created: true }
      })
    } catch (err) {
      if (pgCode(err) === PG.foreignKeyViolation) {
        throw new Error(`confirm: unknown event or section in event ${input.eventId}`, { cause: err })
      }
      throw err
    }
  }

  async confirmBatch(inputs: ConfirmInput[]): Promise<ConfirmResult[]> {
    if (inputs.length === 0) return []
    const holds = planBatch(inputs)
    const eventId = holds[0]?.input.eventId as string
    // Validates the batch (one kind per section, no seat named twice) before anything is sent.
    mergeBatch(holds)
    const seats = holds.flatMap((h) =>
      h.plan.seats.map((s) => ({ ...s, reservationId: h.input.reservationId })),
    )
    const units = holds.flatMap((h) =>
      h.plan.sections.map((s) => ({ ...s, reservationId: h.input.reservationId })),
    )
    let rows: (ReservationRow & { created: boolean })[]
    try {
      rows = await this.statement<ReservationRow & { created: boolean }>(
        `SELECT * FROM ${CONFIRM_BATCH_FUNCTION}($1, $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[],
           $7::text[], $8::text[], $9::text[], $10::timestamptz[], $11::text[], $12::text[], $13::text[],
           $14::text[], $15::text[], $16::text[], $17::int[])`,
        [
          eventId,
          holds.map((h) => h.input.reservationId),
          holds.map((h) => h.input.holdId),
          holds.map((h) => h.input.holder),
          holds.map((h) => JSON.stringify(h.plan.items)),
          holds.map((h) => h.input.amount),
          holds.map((h) => h.input.currency),
          holds.map((h) => h.input.paymentRef),
          holds.map((h) => h.input.tokenHash),
          holds.map((h) => isoInput(h.input.createdAt, 'createdAt')),
          seats.map((s) => s.section),
          seats.map((s) => s.seat),
          seats.map((s) => s.reservationId),
          units.map((u) => u.reservationId),
          units.map((u) => u.section),
          units.map((u) => u.kind),
          units.map((u) => u.units),
        ],
      )
    } catch (err) {
      const code = pgCode(err)
      if (code === BATCH_REFUSED_SQLSTATE || code === PG.foreignKeyViolation)
        throw new BatchRefusedError((err as Error).message, { cause: err })
      throw err
    }
    const byHold = new Map(rows.map((row) => [row.hold_id, row]))
    return batchResults(holds, inputs.length, (hold) => {
      const row = byHold.get(hold.input.holdId)
      if (row === undefined) throw new Error(`confirmBatch: no reservation row for hold ${hold.input.holdId}`)
      return { reservation: toReservation(row), created: row.created }
    })
  }

  async getReservation(eventId: string, reservationId: string): Promise<Reservation | null> {
    const rows = await this.query<ReservationRow>(
      `SELECT ${RESERVATION_COLUMNS} FROM seatlock_reservations WHERE id = $1 AND event_id = $2`,
      [reservationId, eventId],
    )
    return rows[0] === undefined ? null : toReservation(rows[0])
  }

  async findReservationByHold(eventId: string, holdId: string): Promise<Reservation | null> {
    const rows = await this.query<ReservationRow>(
      `SELECT ${RESERVATION_COLUMNS} FROM seatlock_reservations WHERE hold_id = $1 AND event_id = $2`,
      [holdId, eventId],
    )
    return rows[0] === undefined ? null : toReservation(rows[0])
  }

  async cancel(eventId: string, reservationId: string): Promise<Reservation | null> {
    return this.tx(async (db) => {
      const updated = await db.query<ReservationRow>(
        `UPDATE seatlock_reservations SET status = 'cancelled', cancelled_at = now()
         WHERE id = $1 AND event_id = $2 AND status = 'confirmed'
         RETURNING ${RESERVATION_COLUMNS}`,
        [reservationId, eventId],
      )
      const row = updated.rows[0]
      if (row === undefined) return null
      await db.query('DELETE FROM seatlock_sold_seats WHERE reservation_id = $1', [reservationId])
      for (const s of unitsBySection(row.items)) {
        await db.query(
          'UPDATE seatlock_sections SET remaining = remaining + $3 WHERE event_id = $1 AND section_id = $2',
          [eventId, s.section, s.units],
        )
      }
      return toReservation(row)
    })
  }

  async listReservations(eventId: string, limit: number, cursor: string | null): Promise<ReservationPage> {
    const size = pageSize(limit)
    const after = cursor === null ? null : decodeCursor(cursor)
    const rows =
      after === null
        ? await this.query<ReservationRow>(
            `SELECT ${RESERVATION_COLUMNS} FROM seatlock_reservations
             WHERE event_id = $1 AND status = 'confirmed'
             ORDER BY created_at DESC, id DESC LIMIT $2`,
            [eventId, size + 1],
          )
        : await this.query<ReservationRow>(
            `SELECT ${RESERVATION_COLUMNS} FROM seatlock_reservations
             WHERE event_id = $1 AND status = 'confirmed' AND (created_at, id) < ($3::timestamptz, $4::text)
             ORDER BY created_at DESC, id DESC LIMIT $2`,
            [eventId, size + 1, after.createdAt, after.id],
          )
    return pageFrom(rows.map(toReservation), size)
  }

  async soldState(eventId: string): Promise<SoldState> {
    // One statement, so counts and seats come from one snapshot.
    const rows = await this.query<{
      section_id: string
      sold: number
      sold_seats: string[]
      sold_by: string[]
    }>(
      `SELECT s.section_id, s.capacity - s.remaining AS sold,
              COALESCE(ss.seats, '{}'::text[]) AS sold_seats, COALESCE(ss.owners, '{}'::text[]) AS sold_by
       FROM seatlock_sections s
       LEFT JOIN LATERAL (
         SELECT array_agg(x.seat ORDER BY x.seat) AS seats, array_agg(x.reservation_id ORDER BY x.seat) AS owners
         FROM seatlock_sold_seats x WHERE x.event_id = s.event_id AND x.section_id = s.section_id
       ) ss ON true
       WHERE s.event_id = $1
       ORDER BY s.position`,
      [eventId],
    )
    return {
      sections: rows.map((r) => ({
        id: r.section_id,
        sold: r.sold,
        soldSeats: r.sold_seats,
        soldBy: r.sold_by,
      })),
    }
  }

  async soldCounts(eventId: string): Promise<SoldCounts> {
    const rows = await this.query<{ section_id: string; sold: number }>(
      `SELECT section_id, capacity - remaining AS sold FROM seatlock_sections
       WHERE event_id = $1 ORDER BY position`,
      [eventId],
    )
    return { sections: rows.map((r) => ({ id: r.section_id, sold: r.sold })) }
  }
}

export function createPostgresLedger(url: string, opts: PostgresLedgerOptions = {}): PostgresLedger {
  return new PostgresLedger(url, opts)
}
