/**
 * Versioned schema of the PostgreSQL ledger: an ordered list of numbered steps, and the table
 * seatlock_migrations recording which ran. Each step runs once per database, under a transaction-scoped
 * advisory lock, from PostgresLedger.init(); a process that finds every step recorded takes no lock
 * (one small SELECT).
 *
 * Rules for steps:
 * - Never edit or renumber a released step: add a new one. A step's id is its identity.
 * - Steps are idempotent (IF NOT EXISTS, CREATE OR REPLACE, DROP ... IF EXISTS): a database created by a
 *   release before this table existed has the objects but no record, and its first init runs them all.
 * - Every step of one init runs in the same transaction as its record (PostgreSQL DDL is transactional),
 *   so a crash leaves either the step and its record or neither.
 */
import { BLOCKS_SQL } from './pg-blocks.js'
import { CONFIRM_BATCH_SQL, CONFIRM_BATCH_V1_SQL, CONFIRM_BATCH_V2_SQL } from './pg-confirm-batch.js'
import { PG, pgCode } from './pg-errors.js'

export interface PgMigration {
  id: number
  name: string
  /** Statements run in order, in the init transaction. */
  sql: readonly string[]
}

/** Where the applied steps are recorded. */
export const PG_MIGRATIONS_TABLE = 'seatlock_migrations'

/**
 * The longest a step waits for a lock on a table in use (lock_timeout), before that start fails instead. A
 * step that alters a table the sale uses (adding or dropping a foreign key locks both tables) holds its lock
 * until the init commits: it waits for the confirms in flight, and every confirm after it waits behind it.
 * Behind a long transaction on such a table the sale would stall for the whole statement timeout (30 s);
 * with this the start fails within seconds, and a later start (that transaction gone) runs the step.
 */
export const MIGRATION_LOCK_TIMEOUT = '5s'

/** Key of the advisory lock that serialises schema changes across processes. */
export const PG_MIGRATIONS_LOCK_KEY = 0x5ea7_10c4

/** Anything with pg's query(text, values) → { rows } (a Session of the ledger, a pg.Client in tests). */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>
}

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    id: 1,
    name: 'tables and indexes',
    sql: [
      `CREATE TABLE IF NOT EXISTS seatlock_events (
        id text PRIMARY KEY,
        name text NOT NULL,
        starts_at timestamptz NULL,
        currency char(3) NOT NULL,
        definition jsonb NOT NULL,
        created_at timestamptz NOT NULL
      )`,
      `CREATE TABLE IF NOT EXISTS seatlock_sections (
        event_id text NOT NULL REFERENCES seatlock_events (id),
        section_id text NOT NULL,
        position int NOT NULL,
        kind text NOT NULL CHECK (kind IN ('seated', 'ga')),
        capacity int NOT NULL CHECK (capacity > 0),
        remaining int NOT NULL,
        PRIMARY KEY (event_id, section_id),
        CONSTRAINT seatlock_sections_remaining_range CHECK (remaining >= 0 AND remaining <= capacity)
      )`,
      `CREATE TABLE IF NOT EXISTS seatlock_reservations (
        id text PRIMARY KEY,
        hold_id text NOT NULL UNIQUE,
        event_id text NOT NULL REFERENCES seatlock_events (id),
        holder text NOT NULL,
        items jsonb NOT NULL,
        amount bigint NOT NULL CHECK (amount >= 0),
        currency char(3) NOT NULL,
        status text NOT NULL,
        payment_ref text NULL,
        token_hash text NOT NULL,
        created_at timestamptz NOT NULL,
        cancelled_at timestamptz NULL
      )`,
      `CREATE INDEX IF NOT EXISTS seatlock_reservations_list_idx
        ON seatlock_reservations (event_id, status, created_at DESC, id DESC)`,
      `CREATE TABLE IF NOT EXISTS seatlock_sold_seats (
        event_id text NOT NULL,
        section_id text NOT NULL,
        seat text NOT NULL,
        reservation_id text NOT NULL REFERENCES seatlock_reservations (id),
        PRIMARY KEY (event_id, section_id, seat),
        FOREIGN KEY (event_id, section_id) REFERENCES seatlock_sections (event_id, section_id)
      )`,
      `CREATE INDEX IF NOT EXISTS seatlock_sold_seats_reservation_idx ON seatlock_sold_seats (reservation_id)`,
    ],
  },
  {
    // Databases created before 'voided' reservations existed carry a rule without it.
    id: 2,
    name: "reservation status admits 'voided'",
    sql: [
      `ALTER TABLE seatlock_reservations DROP CONSTRAINT IF EXISTS seatlock_reservations_status_check`,
      `ALTER TABLE seatlock_reservations ADD CONSTRAINT seatlock_reservations_status_check
        CHECK (status IN ('confirmed', 'cancelled', 'voided'))`,
    ],
  },
  { id: 3, name: 'confirm-batch function v1', sql: [CONFIRM_BATCH_V1_SQL] },
  {
    // Listing filtered on the definition's JSON read every definition whole (a stadium's carries 100,000
    // labels): the lifecycle and the sales window get columns of their own, kept with the definition by
    // every write, and one index in the listing's order behind the status.
    id: 4,
    name: 'event status, archive time and sales window columns',
    sql: [
      `ALTER TABLE seatlock_events
        ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'active',
        ADD COLUMN IF NOT EXISTS archived_at timestamptz NULL,
        ADD COLUMN IF NOT EXISTS sales_open_at timestamptz NULL,
        ADD COLUMN IF NOT EXISTS sales_close_at timestamptz NULL,
        ADD COLUMN IF NOT EXISTS sales_closed boolean NOT NULL DEFAULT false`,
      `ALTER TABLE seatlock_events DROP CONSTRAINT IF EXISTS seatlock_events_status_check`,
      `ALTER TABLE seatlock_events ADD CONSTRAINT seatlock_events_status_check
        CHECK ((status = 'active' AND archived_at IS NULL) OR (status = 'archived' AND archived_at IS NOT NULL))`,
      `UPDATE seatlock_events SET
        sales_open_at = (definition -> 'sales' ->> 'openAt')::timestamptz,
        sales_close_at = (definition -> 'sales' ->> 'closeAt')::timestamptz,
        sales_closed = COALESCE((definition -> 'sales' ->> 'closed')::boolean, false)`,
      `CREATE INDEX IF NOT EXISTS seatlock_events_list_idx
        ON seatlock_events (status, COALESCE(starts_at, '-infinity'::timestamptz), id)`,
      `CREATE INDEX IF NOT EXISTS seatlock_events_order_idx
        ON seatlock_events (COALESCE(starts_at, '-infinity'::timestamptz), id)`,
    ],
  },
  { id: 5, name: 'seat blocks and allocations', sql: BLOCKS_SQL },
  // v1 stays for the previous release's instances during an upgrade (see pg-confirm-batch.ts).
  { id: 6, name: 'confirm-batch function v2 (answers from the rows it wrote)', sql: [CONFIRM_BATCH_V2_SQL] },
  {
    // A sold seat's section was checked twice in its transaction: by this foreign key, a trigger run per
    // seat that takes a KEY SHARE lock on the section's count row, and by the count update every confirm
    // makes of that same row, which refuses the whole sale when the row is missing (and locks it). The key
    // was only the row-by-row half of that: a seated batch of 12 confirms spent about a sixth of its
    // PostgreSQL time in these checks. The seat's unique key (the double-sale guard) and its reservation's
    // foreign key stay. Dropped by lookup, not by name: a database may have named it otherwise. Dropping a
    // foreign key locks both tables (see MIGRATION_LOCK_TIMEOUT).
    id: 7,
    name: 'sold seats: no per-seat foreign key to the section their sale updates',
    sql: [
      `DO $drop$
      DECLARE
        c name;
      BEGIN
        FOR c IN
          SELECT conname FROM pg_constraint
          WHERE conrelid = 'seatlock_sold_seats'::regclass AND confrelid = 'seatlock_sections'::regclass
            AND contype = 'f'
        LOOP
          EXECUTE format('ALTER TABLE seatlock_sold_seats DROP CONSTRAINT %I', c);
        END LOOP;
      END
      $drop$`,
    ],
  },
  // v1 and v2 stay for the previous releases' instances during an upgrade (see pg-confirm-batch.ts).
  {
    id: 8,
    name: 'confirm-batch function v3 (a sold seat refuses the batch by its unique key)',
    sql: [CONFIRM_BATCH_SQL],
  },
]

/**
 * The fast path: ids of the recorded steps, or null when the table does not exist (a fresh database, or
 * one created by a release before migrations). One statement, no lock.
 */
export async function appliedMigrations(db: Queryable): Promise<Set<number> | null> {
  try {
    const { rows } = await db.query(`SELECT id FROM ${PG_MIGRATIONS_TABLE}`)
    return new Set((rows as { id: number }[]).map((r) => r.id))
  } catch (err) {
    if (pgCode(err) === PG.undefinedTable) return null
    throw err
  }
}

/** True when every step is recorded (steps recorded by a newer release are ignored). */
export function upToDate(applied: Set<number> | null, steps: readonly PgMigration[]): boolean {
  return applied !== null && steps.every((s) => applied.has(s.id))
}

/**
 * Runs the steps not recorded yet, in id order, each followed by its record. The caller is inside a
 * transaction (with a statement timeout fit for DDL); this takes the advisory lock, which the transaction's
 * end releases, so a second process waits here and then finds the steps recorded. Table locks wait at most
 * MIGRATION_LOCK_TIMEOUT. Returns the ids run.
 */
export async function applyMigrations(
  db: Queryable,
  steps: readonly PgMigration[],
  log: (msg: string) => void,
): Promise<number[]> {
  await db.query('SELECT pg_advisory_xact_lock($1)', [PG_MIGRATIONS_LOCK_KEY])
  // After the advisory lock: a second process may wait for the first one's steps as long as they take.
  await db.query(`SET LOCAL lock_timeout = '${MIGRATION_LOCK_TIMEOUT}'`)
  await db.query(`CREATE TABLE IF NOT EXISTS ${PG_MIGRATIONS_TABLE} (
    id int PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`)
  const applied = (await appliedMigrations(db)) ?? new Set<number>()
  const ran: number[] = []
  for (const step of [...steps].sort((a, b) => a.id - b.id)) {
    if (applied.has(step.id)) continue
    for (const sql of step.sql) await db.query(sql)
    await db.query(`INSERT INTO ${PG_MIGRATIONS_TABLE} (id, name) VALUES ($1, $2)`, [step.id, step.name])
    log(`postgres: migration ${step.id} (${step.name}) applied`)
    ran.push(step.id)
  }
  return ran
}
