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
import { unitsBySection } from '../domain/confirm-plan.js'
import {
  EventArchivedError,
  EventExistsError,
  EventHasSalesError,
  PricesLockedError,
} from '../domain/errors.js'
import type { EventState, ListStatus } from '../domain/event-lifecycle.js'
import { applyChanges, pricesDiffer } from '../domain/event-changes.js'
import type { EventChanges } from '../domain/event-changes.js'
import { normalizeEvent } from '../domain/event.js'
import { ALWAYS_ON_SALE } from '../domain/sales-window.js'
import type { SalesWindow } from '../domain/sales-window.js'
import type { EventDefinition } from '../domain/event.js'
import type { Reservation } from '../domain/reservation.js'
import type { BlockEnd, SeatBlock } from '../domain/seat-block.js'
import { decodeCursor, pageFrom, pageSize } from './common.js'
import * as blocks from './pg-blocks.js'
import { decodeEventCursor, eventPageFrom } from './event-list.js'
import type { EventPage, EventQuery } from './event-list.js'
import { PgClient } from './pg-client.js'
import type { PgClientOptions } from './pg-client.js'
import { confirmBatch, confirmExplained } from './pg-confirm.js'
import { PG_MIGRATIONS, appliedMigrations, applyMigrations, upToDate } from './pg-migrations.js'
import { SLOW_STATEMENT_TIMEOUT_MS } from './pg-pool.js'
import { RESERVATION_COLUMNS, toReservation } from './pg-rows.js'
import type { ReservationRow } from './pg-rows.js'
import { BatchRefusedError } from './port.js'
import type { ConfirmInput, ConfirmResult, Ledger, ReservationPage, SoldCounts, SoldState } from './port.js'

export type PostgresLedgerOptions = PgClientOptions

/**
 * The listing's filter on status, as SQL over the event's columns (see salesState; migration 4). `now`
 * gives the placeholder of the time it is judged at, asked only when used (PostgreSQL refuses a parameter
 * no statement uses).
 */
function pgListStatus(state: ListStatus, now: () => string): string {
  if (state === 'archived') return `status = 'archived'`
  if (state === 'closed') return `status = 'active' AND sales_closed`
  const at = now()
  const notOpen = `COALESCE(sales_open_at > ${at}, false)`
  const ended = `COALESCE(sales_close_at <= ${at}, false)`
  const open = `status = 'active' AND NOT sales_closed`
  switch (state) {
    case 'not-yet-open':
      return `${open} AND ${notOpen}`
    case 'ended':
      return `${open} AND NOT ${notOpen} AND ${ended}`
    case 'on-sale':
      return `${open} AND NOT ${notOpen} AND NOT ${ended}`
  }
}

/** The sales window's columns (migration 4), in the order the writes below list them. */
function salesColumns(sales: SalesWindow | undefined): [string | null, string | null, boolean] {
  const window = sales ?? ALWAYS_ON_SALE
  return [window.openAt, window.closeAt, window.closed]
}

export class PostgresLedger implements Ledger {
  readonly kind = 'postgres' as const
  private readonly client: PgClient

  constructor(url: string, opts: PostgresLedgerOptions = {}) {
    this.client = new PgClient(url, opts)
  }

  async init(): Promise<void> {
    await this.migrate()
    await this.client.warm()
  }

  private async migrate(): Promise<void> {
    // Fast path: every step recorded; one SELECT, no lock (the DDL would lock the tables).
    if (upToDate(await this.client.withClient(appliedMigrations), PG_MIGRATIONS)) return
    await this.client.tx(async (db) => {
      // Another process may hold the lock while it migrates: the slow limits from here on.
      await db.slowQuery(`SET LOCAL statement_timeout = ${SLOW_STATEMENT_TIMEOUT_MS}`)
      await applyMigrations(db, PG_MIGRATIONS, this.client.log)
    })
  }

  async ping(): Promise<void> {
    await this.client.query('SELECT 1')
  }

  async close(): Promise<void> {
    await this.client.close()
  }

  async createEvent(event: EventDefinition): Promise<void> {
    const def = normalizeEvent(event)
    await this.client.tx(async (db) => {
      // An event can carry 100 sections of 100,000 seat labels: allow more than the hot-path timeout.
      await db.query(`SET LOCAL statement_timeout = ${SLOW_STATEMENT_TIMEOUT_MS}`)
      const inserted = await db.slowQuery(
        `INSERT INTO seatlock_events
           (id, name, starts_at, currency, definition, created_at, sales_open_at, sales_close_at, sales_closed)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9)
         ON CONFLICT (id) DO NOTHING
         RETURNING id`,
        [
          def.id,
          def.name,
          def.startsAt,
          def.currency,
          JSON.stringify(def),
          def.createdAt,
          ...salesColumns(def.sales),
        ],
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
    const rows = await this.client.query<{ definition: EventDefinition; archived_at: Date | null }>(
      'SELECT definition, archived_at FROM seatlock_events WHERE id = $1',
      [eventId],
    )
    const row = rows[0]
    if (row === undefined) return null
    // The column is the truth: an archive writes it, never the definition.
    const { archivedAt: _ignored, ...definition } = row.definition
    return row.archived_at === null
      ? definition
      : { ...definition, archivedAt: row.archived_at.toISOString() }
  }

  async getState(eventId: string): Promise<EventState | null> {
    const rows = await this.client.query<{
      starts_at: Date | null
      sales: SalesWindow | null
      archived_at: Date | null
    }>(`SELECT starts_at, definition -> 'sales' AS sales, archived_at FROM seatlock_events WHERE id = $1`, [
      eventId,
    ])
    const row = rows[0]
    if (row === undefined) return null
    return {
      startsAt: row.starts_at === null ? null : row.starts_at.toISOString(),
      sales: row.sales ?? ALWAYS_ON_SALE,
      archivedAt: row.archived_at === null ? null : row.archived_at.toISOString(),
    }
  }

  async archiveEvent(eventId: string, at: string): Promise<string | null> {
    // One statement: the first archive writes the time, a repeat (or a racing archive) reads it back.
    const rows = await this.client.query<{ archived_at: Date }>(
      `WITH archived AS (
         UPDATE seatlock_events
         SET status = 'archived', archived_at = $2,
             definition = definition || jsonb_build_object('revision', COALESCE((definition ->> 'revision')::int, 0) + 1)
         WHERE id = $1 AND status = 'active'
         RETURNING archived_at)
       SELECT archived_at FROM archived
       UNION ALL
       SELECT archived_at FROM seatlock_events WHERE id = $1 AND status = 'archived'`,
      [eventId, at],
    )
    const first = rows[0]
    return first === undefined ? null : first.archived_at.toISOString()
  }

  async deleteEvent(eventId: string): Promise<boolean> {
    return this.client.tx(async (db) => {
      // The row lock waits for every confirm still inserting a reservation of the event (its foreign key
      // holds a KEY SHARE lock on this row) and makes any later one wait for this transaction, whose
      // end leaves it no event to refer to: it fails on the foreign key instead of selling.
      const locked = await db.query('SELECT 1 FROM seatlock_events WHERE id = $1 FOR UPDATE', [eventId])
      if (locked.rowCount !== 1) return false
      // READ COMMITTED: this statement sees every reservation committed before the lock was granted.
      const sold = await db.query<{ sold: boolean }>(
        'SELECT EXISTS (SELECT 1 FROM seatlock_reservations WHERE event_id = $1) AS sold',
        [eventId],
      )
      if (sold.rows[0]?.sold) throw new EventHasSalesError(`event ${eventId} has reservations`)
      // Seat blocks are the event's own set-asides, not sales: they go with it (their seats refer to its
      // sections, the blocks to the event).
      await db.query('DELETE FROM seatlock_blocked_seats WHERE event_id = $1', [eventId])
      await db.query('DELETE FROM seatlock_blocks WHERE event_id = $1', [eventId])
      await db.query('DELETE FROM seatlock_sections WHERE event_id = $1', [eventId])
      await db.query('DELETE FROM seatlock_events WHERE id = $1', [eventId])
      return true
    })
  }

  /** Throws EventArchivedError when the event exists and is archived; for a write that matched nothing. */
  private async refuseArchived(eventId: string): Promise<void> {
    const state = await this.getState(eventId)
    if (state?.archivedAt != null) throw new EventArchivedError(`event ${eventId} is archived`)
  }

  async getSales(eventId: string): Promise<SalesWindow | null> {
    // Only the window: a stadium's definition carries 100,000 labels a load does not need again.
    const rows = await this.client.query<{ sales: SalesWindow | null }>(
      `SELECT definition -> 'sales' AS sales FROM seatlock_events WHERE id = $1`,
      [eventId],
    )
    const row = rows[0]
    return row === undefined ? null : (row.sales ?? ALWAYS_ON_SALE)
  }

  async setSalesClosed(eventId: string, closed: boolean): Promise<SalesWindow | null> {
    const rows = await this.client.query<{ sales: SalesWindow }>(
      `UPDATE seatlock_events
       SET definition = definition || jsonb_build_object(
         'sales', COALESCE(definition -> 'sales', $3::jsonb) || jsonb_build_object('closed', $2::boolean),
         'revision', COALESCE((definition ->> 'revision')::int, 0) + 1),
         sales_closed = $2
       WHERE id = $1 AND status = 'active' RETURNING definition -> 'sales' AS sales`,
      [eventId, closed, JSON.stringify(ALWAYS_ON_SALE)],
    )
    const sales = rows[0]?.sales
    if (sales !== undefined) return sales
    await this.refuseArchived(eventId)
    return null
  }

  async updateEvent(eventId: string, changes: EventChanges): Promise<EventDefinition | null> {
    return this.client.tx(async (db) => {
      // A stadium's definition is large: read and written whole, so the slow limits apply.
      await db.query(`SET LOCAL statement_timeout = ${SLOW_STATEMENT_TIMEOUT_MS}`)
      const current = await db.slowQuery<{ definition: EventDefinition; status: string }>(
        'SELECT definition, status FROM seatlock_events WHERE id = $1 FOR UPDATE',
        [eventId],
      )
      const before = current.rows[0]?.definition
      if (before === undefined) return null
      if (current.rows[0]?.status === 'archived') throw new EventArchivedError(`event ${eventId} is archived`)
      const after = normalizeEvent(applyChanges(before, changes))
      if (pricesDiffer(before, after)) {
        const sold = await db.query<{ sold: boolean }>(
          `SELECT EXISTS (SELECT 1 FROM seatlock_reservations WHERE event_id = $1 AND status = 'confirmed') AS sold`,
          [eventId],
        )
        if (sold.rows[0]?.sold) throw new PricesLockedError(`event ${eventId} has sales`)
      }
      await db.slowQuery(
        `UPDATE seatlock_events SET name = $2, starts_at = $3, definition = $4::jsonb,
           sales_open_at = $5, sales_close_at = $6, sales_closed = $7
         WHERE id = $1`,
        [eventId, after.name, after.startsAt, JSON.stringify(after), ...salesColumns(after.sales)],
      )
      return after
    })
  }

  async listEvents(query: EventQuery): Promise<EventPage> {
    const size = pageSize(query.limit)
    const values: unknown[] = [size + 1]
    const param = (value: unknown) => `$${values.push(value)}`
    const where: string[] = []
    if (query.startsFrom !== undefined) where.push(`starts_at >= ${param(query.startsFrom)}::timestamptz`)
    if (query.startsBefore !== undefined) where.push(`starts_at < ${param(query.startsBefore)}::timestamptz`)
    if (query.status !== undefined)
      where.push(pgListStatus(query.status, () => `${param(new Date(query.now).toISOString())}::timestamptz`))
    if (query.cursor !== null) {
      const after = decodeEventCursor(query.cursor)
      // Events without a start sort first: as '-infinity', so one row comparison walks the order.
      where.push(
        `(COALESCE(starts_at, '-infinity'), id) > (COALESCE(${param(after.startsAt)}::timestamptz, '-infinity'), ${param(after.id)}::text)`,
      )
    }
    const rows = await this.client.query<{
      id: string
      name: string
      starts_at: Date | null
      currency: string
      sales_open_at: Date | null
      sales_close_at: Date | null
      sales_closed: boolean
      created_at: Date
      archived_at: Date | null
    }>(
      // Columns only: the definition (a stadium's 100,000 labels) is not read.
      `SELECT id, name, starts_at, currency, sales_open_at, sales_close_at, sales_closed, created_at, archived_at
       FROM seatlock_events ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
       ORDER BY COALESCE(starts_at, '-infinity'), id LIMIT $1`,
      values,
    )
    return eventPageFrom(
      rows.map((r) => ({
        id: r.id,
        name: r.name,
        startsAt: r.starts_at === null ? null : r.starts_at.toISOString(),
        currency: r.currency.trim(),
        sales: {
          openAt: r.sales_open_at === null ? null : r.sales_open_at.toISOString(),
          closeAt: r.sales_close_at === null ? null : r.sales_close_at.toISOString(),
          closed: r.sales_closed,
        },
        createdAt: r.created_at.toISOString(),
        archivedAt: r.archived_at === null ? null : r.archived_at.toISOString(),
      })),
      size,
    )
  }

  async getRevision(eventId: string): Promise<number | null> {
    const rows = await this.client.query<{ revision: number }>(
      `SELECT COALESCE((definition ->> 'revision')::int, 0) AS revision FROM seatlock_events WHERE id = $1`,
      [eventId],
    )
    return rows[0]?.revision ?? null
  }

  async countEvents(): Promise<number> {
    const rows = await this.client.query<{ n: number }>('SELECT count(*)::int AS n FROM seatlock_events')
    return rows[0]?.n ?? 0
  }

  async voidHold(eventId: string, holdId: string, currency: string): Promise<Reservation> {
    return this.client.tx(async (db) => {
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
    return confirmExplained(this.client, input)
  }

  async confirmBatch(inputs: ConfirmInput[]): Promise<ConfirmResult[]> {
    return confirmBatch(this.client, inputs)
  }

  async getReservation(eventId: string, reservationId: string): Promise<Reservation | null> {
    const rows = await this.client.query<ReservationRow>(
      `SELECT ${RESERVATION_COLUMNS} FROM seatlock_reservations WHERE id = $1 AND event_id = $2`,
      [reservationId, eventId],
    )
    return rows[0] === undefined ? null : toReservation(rows[0])
  }

  async findReservationByHold(eventId: string, holdId: string): Promise<Reservation | null> {
    const rows = await this.client.query<ReservationRow>(
      `SELECT ${RESERVATION_COLUMNS} FROM seatlock_reservations WHERE hold_id = $1 AND event_id = $2`,
      [holdId, eventId],
    )
    return rows[0] === undefined ? null : toReservation(rows[0])
  }

  async cancel(eventId: string, reservationId: string): Promise<Reservation | null> {
    return this.client.tx(async (db) => {
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
        ? await this.client.query<ReservationRow>(
            `SELECT ${RESERVATION_COLUMNS} FROM seatlock_reservations
             WHERE event_id = $1 AND status = 'confirmed'
             ORDER BY created_at DESC, id DESC LIMIT $2`,
            [eventId, size + 1],
          )
        : await this.client.query<ReservationRow>(
            `SELECT ${RESERVATION_COLUMNS} FROM seatlock_reservations
             WHERE event_id = $1 AND status = 'confirmed' AND (created_at, id) < ($3::timestamptz, $4::text)
             ORDER BY created_at DESC, id DESC LIMIT $2`,
            [eventId, size + 1, after.createdAt, after.id],
          )
    return pageFrom(rows.map(toReservation), size)
  }

  async soldState(eventId: string): Promise<SoldState> {
    // One statement, so counts and seats come from one snapshot.
    const rows = await this.client.query<{
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
    const rows = await this.client.query<{ section_id: string; sold: number }>(
      `SELECT section_id, capacity - remaining AS sold FROM seatlock_sections
       WHERE event_id = $1 ORDER BY position`,
      [eventId],
    )
    return { sections: rows.map((r) => ({ id: r.section_id, sold: r.sold })) }
  }

  createBlock(block: SeatBlock): Promise<void> {
    return blocks.createBlock(this.client, block)
  }

  discardBlock(eventId: string, blockId: string): Promise<void> {
    return blocks.discardBlock(this.client, eventId, blockId)
  }

  getBlock(eventId: string, blockId: string): Promise<SeatBlock | null> {
    return blocks.getBlock(this.client, eventId, blockId)
  }

  listBlocks(eventId: string): Promise<SeatBlock[]> {
    return blocks.listBlocks(this.client, eventId)
  }

  endBlock(eventId: string, blockId: string, how: BlockEnd): Promise<SeatBlock | null> {
    return blocks.endBlock(this.client, eventId, blockId, how)
  }

  dueReleases(now: number, limit: number): Promise<SeatBlock[]> {
    return blocks.dueReleases(this.client, now, limit)
  }
}

export function createPostgresLedger(url: string, opts: PostgresLedgerOptions = {}): PostgresLedger {
  return new PostgresLedger(url, opts)
}
