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
import { EventExistsError, PricesLockedError } from '../domain/errors.js'
import { applyChanges, pricesDiffer } from '../domain/event-changes.js'
import type { EventChanges } from '../domain/event-changes.js'
import { normalizeEvent } from '../domain/event.js'
import { ALWAYS_ON_SALE } from '../domain/sales-window.js'
import type { SalesState, SalesWindow } from '../domain/sales-window.js'
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
 * Where an event's sale stands, as SQL over its definition (see salesState). `now` gives the placeholder of
 * the time it is judged at, asked only when used (PostgreSQL refuses a parameter no statement uses).
 */
function pgSalesState(state: SalesState, now: () => string): string {
  const sales = `definition -> 'sales'`
  const closed = `COALESCE((${sales} ->> 'closed')::boolean, false)`
  if (state === 'closed') return closed
  const at = now()
  const notOpen = `COALESCE((${sales} ->> 'openAt')::timestamptz > ${at}, false)`
  const ended = `COALESCE((${sales} ->> 'closeAt')::timestamptz <= ${at}, false)`
  switch (state) {
    case 'not-yet-open':
      return `NOT ${closed} AND ${notOpen}`
    case 'ended':
      return `NOT ${closed} AND NOT ${notOpen} AND ${ended}`
    case 'on-sale':
      return `NOT ${closed} AND NOT ${notOpen} AND NOT ${ended}`
  }
}

export class PostgresLedger implements Ledger {
  readonly kind = 'postgres' as const
  private readonly client: PgClient

  constructor(url: string, opts: PostgresLedgerOptions = {}) {
    this.client = new PgClient(url, opts)
  }

  async init(): Promise<void> {
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
    const rows = await this.client.query<{ definition: EventDefinition }>(
      'SELECT definition FROM seatlock_events WHERE id = $1',
      [eventId],
    )
    return rows[0]?.definition ?? null
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
         'revision', COALESCE((definition ->> 'revision')::int, 0) + 1)
       WHERE id = $1 RETURNING definition -> 'sales' AS sales`,
      [eventId, closed, JSON.stringify(ALWAYS_ON_SALE)],
    )
    return rows[0]?.sales ?? null
  }

  async updateEvent(eventId: string, changes: EventChanges): Promise<EventDefinition | null> {
    return this.client.tx(async (db) => {
      // A stadium's definition is large: read and written whole, so the slow limits apply.
      await db.query(`SET LOCAL statement_timeout = ${SLOW_STATEMENT_TIMEOUT_MS}`)
      const current = await db.slowQuery<{ definition: EventDefinition }>(
        'SELECT definition FROM seatlock_events WHERE id = $1 FOR UPDATE',
        [eventId],
      )
      const before = current.rows[0]?.definition
      if (before === undefined) return null
      const after = normalizeEvent(applyChanges(before, changes))
      if (pricesDiffer(before, after)) {
        const sold = await db.query<{ sold: boolean }>(
          `SELECT EXISTS (SELECT 1 FROM seatlock_reservations WHERE event_id = $1 AND status = 'confirmed') AS sold`,
          [eventId],
        )
        if (sold.rows[0]?.sold) throw new PricesLockedError(`event ${eventId} has sales`)
      }
      await db.slowQuery(
        'UPDATE seatlock_events SET name = $2, starts_at = $3, definition = $4::jsonb WHERE id = $1',
        [eventId, after.name, after.startsAt, JSON.stringify(after)],
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
      where.push(pgSalesState(query.status, () => `${param(new Date(query.now).toISOString())}::timestamptz`))
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
      sales: SalesWindow | null
      created_at: Date
    }>(
      `SELECT id, name, starts_at, currency, definition -> 'sales' AS sales, created_at
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
        sales: r.sales ?? ALWAYS_ON_SALE,
        createdAt: r.created_at.toISOString(),
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
