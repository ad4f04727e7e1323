/**
 * Versioned PostgreSQL ledger migrations (src/ledger/pg-migrations.ts), each test on a database of its own.
 */
import { execFile } from 'node:child_process'
import { createHash, randomUUID } from 'node:crypto'
import { promisify } from 'node:util'
import pg from 'pg'
import t from 'tap'
import type { Test } from 'tap'
import { PG_MIGRATIONS, PG_MIGRATIONS_LOCK_KEY } from '../../src/ledger/pg-migrations.js'
import { CONFIRM_BATCH_FUNCTION, CONFIRM_BATCH_V1_FUNCTION } from '../../src/ledger/pg-confirm-batch.js'
import { PgClient } from '../../src/ledger/pg-client.js'
import { confirmBatch } from '../../src/ledger/pg-confirm.js'
import { postgresConnectionString } from '../../src/ledger/pg-pool.js'
import { createPostgresLedger } from '../../src/ledger/postgres.js'
import type { EventDefinition } from '../../src/domain/event.js'
import { BatchRefusedError } from '../../src/ledger/port.js'
import type { ConfirmInput } from '../../src/ledger/port.js'
import { eventually } from '../helpers/eventually.js'
import { freshPostgresDatabase } from '../helpers/ledgers.js'
import { PREVIOUS_RELEASE_SCHEMA_SQL, PRE_VOIDED_SCHEMA_SQL } from './fixtures/pg-previous-release.js'

const run = promisify(execFile)
const ALL_IDS = PG_MIGRATIONS.map((s) => s.id)
const CHILD = new URL('../helpers/pg-migrate-child.ts', import.meta.url).pathname

async function connect(t: Test, url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: postgresConnectionString(url) })
  await client.connect()
  t.teardown(() => client.end())
  return client
}

/** A new database holding an older release's schema (its statements run as given), and a client on it. */
async function olderDatabase(t: Test, name: string, schema: readonly string[]) {
  const url = await freshPostgresDatabase(t, name)
  const db = await connect(t, url)
  for (const sql of schema) await db.query(sql)
  return { url, db }
}

function openLedger(t: Test, url: string, logs: string[] = []) {
  const ledger = createPostgresLedger(url, { log: (m) => logs.push(m) })
  t.teardown(() => ledger.close())
  return ledger
}

async function recorded(db: pg.Client): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>('SELECT id FROM seatlock_migrations ORDER BY id')
  return rows.map((r) => r.id)
}

/** The sold-seat table's only foreign key since step 7, as PostgreSQL prints it. */
const RESERVATION_KEY_ONLY = ['FOREIGN KEY (reservation_id) REFERENCES seatlock_reservations(id)']

/** The foreign keys of the sold-seat table, as PostgreSQL prints their definitions. */
async function soldSeatForeignKeys(db: pg.Client): Promise<string[]> {
  const { rows } = await db.query<{ key: string }>(
    `SELECT pg_get_constraintdef(oid) AS key FROM pg_constraint
     WHERE conrelid = 'seatlock_sold_seats'::regclass AND contype = 'f' ORDER BY 1`,
  )
  return rows.map((r) => r.key)
}

const applied = (logs: string[]): string[] => logs.filter((l) => /migration \d+ .* applied/.test(l))

const event = (): EventDefinition => ({
  id: `ev-${randomUUID()}`,
  name: 'Upgrade night',
  startsAt: '2026-12-01T18:00:00.000Z',
  currency: 'EUR',
  sections: [{ id: 'vip', name: 'VIP', kind: 'seated', price: 800, capacity: 2, seats: ['A1', 'A2'] }],
  createdAt: new Date().toISOString(),
})

const confirmInput = (eventId: string, seat: string): ConfirmInput => ({
  reservationId: `r-${randomUUID()}`,
  holdId: `h-${randomUUID()}`,
  eventId,
  holder: 'user-1',
  items: [{ section: 'vip', seats: [seat] }],
  amount: 800,
  currency: 'EUR',
  paymentRef: null,
  tokenHash: createHash('sha256').update(seat).digest('hex'),
  createdAt: new Date().toISOString(),
})

/**
 * An event as a release before migration 4 wrote it (no status or sales columns): the code that wrote it is
 * gone, its rows are what matters.
 */
async function createOldEvent(db: pg.Client, ev: EventDefinition): Promise<void> {
  await db.query(
    `INSERT INTO seatlock_events (id, name, starts_at, currency, definition, created_at)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6)`,
    [ev.id, ev.name, ev.startsAt, ev.currency, JSON.stringify(ev), ev.createdAt],
  )
  for (const [position, s] of ev.sections.entries()) {
    await db.query(
      `INSERT INTO seatlock_sections (event_id, section_id, position, kind, capacity, remaining)
       VALUES ($1, $2, $3, $4, $5, $5)`,
      [ev.id, s.id, position + 1, s.kind, s.capacity],
    )
  }
}

/** Resolves true when p settles within ms. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)))
  try {
    return await Promise.race([p.then(() => true), late])
  } finally {
    clearTimeout(timer)
  }
}

t.test('a fresh database: every step runs once and is recorded; the ledger works', async (t) => {
  const url = await freshPostgresDatabase(t, 'mig_fresh')
  const logs: string[] = []
  const ledger = openLedger(t, url, logs)
  await ledger.init()
  const db = await connect(t, url)
  t.same(await recorded(db), ALL_IDS, 'every step recorded')
  t.equal(applied(logs).length, ALL_IDS.length, 'each step logged once')
  const ev = event()
  await ledger.createEvent(ev)
  await ledger.confirmBatch([confirmInput(ev.id, 'A1')])
  t.same((await ledger.soldCounts(ev.id)).sections, [{ id: 'vip', sold: 1 }], 'a confirm batch sold a seat')
  t.same(
    await soldSeatForeignKeys(db),
    RESERVATION_KEY_ONLY,
    "sold seats: their reservation's foreign key only (step 7)",
  )
})

t.test(
  "step 7: sold seats keep their unique key and their reservation's foreign key, not the per-seat check of their section; a sale into a missing section is still refused whole",
  async (t) => {
    // A database of the previous release whose section key carries a name of its own: dropped all the same.
    const { url, db } = await olderDatabase(t, 'mig_sold_keys', PREVIOUS_RELEASE_SCHEMA_SQL)
    await db.query(
      `ALTER TABLE seatlock_sold_seats RENAME CONSTRAINT seatlock_sold_seats_event_id_section_id_fkey TO sold_in_section`,
    )
    t.equal((await soldSeatForeignKeys(db)).length, 2, 'before: the reservation and the section keys')
    const ledger = openLedger(t, url)
    await ledger.init()
    t.same(await soldSeatForeignKeys(db), RESERVATION_KEY_ONLY, 'after: only the reservation key')
    const primary = await db.query(
      `SELECT pg_get_constraintdef(oid) AS key FROM pg_constraint
       WHERE conrelid = 'seatlock_sold_seats'::regclass AND contype = 'p'`,
    )
    t.same(primary.rows, [{ key: 'PRIMARY KEY (event_id, section_id, seat)' }], 'a seat is still sold once')

    // The section row gone (as if deleted behind the ledger's back): the count update of the same
    // transaction refuses the sale, and nothing of it is written.
    const ev = event()
    await ledger.createEvent(ev)
    await db.query('DELETE FROM seatlock_sections WHERE event_id = $1', [ev.id])
    const batch = await ledger
      .confirmBatch([confirmInput(ev.id, 'A1'), confirmInput(ev.id, 'A2')])
      .catch((error: unknown) => error)
    t.ok(
      batch instanceof BatchRefusedError && /section vip cannot take 2 units/.test(batch.message),
      `the batch is refused by its count update: ${String(batch)}`,
    )
    const lone = await ledger.confirm(confirmInput(ev.id, 'A1')).catch((error: unknown) => error)
    t.match(String(lone), /unknown section/, 'a lone confirm is refused by its count update')
    const written = await db.query(
      `SELECT (SELECT count(*) FROM seatlock_sold_seats WHERE event_id = $1)::int AS seats,
              (SELECT count(*) FROM seatlock_reservations WHERE event_id = $1)::int AS reservations`,
      [ev.id],
    )
    t.same(written.rows, [{ seats: 0, reservations: 0 }], 'no sold seat, no reservation')
  },
)

t.test(
  'step 7 waits at most its lock timeout behind a transaction holding the sections: that start fails, the next one migrates',
  async (t) => {
    // A database of the release before step 7: every other step applied.
    const url = await freshPostgresDatabase(t, 'mig_lock_wait')
    await openLedger(t, url).init()
    const db = await connect(t, url)
    await db.query(
      'ALTER TABLE seatlock_sold_seats ADD FOREIGN KEY (event_id, section_id) REFERENCES seatlock_sections (event_id, section_id)',
    )
    await db.query('DELETE FROM seatlock_migrations WHERE id = 7')
    // A transaction that keeps the sections table in use, as a long report or a stuck session would.
    const holder = await connect(t, url)
    await holder.query('BEGIN')
    await holder.query('LOCK TABLE seatlock_sections IN ROW EXCLUSIVE MODE')
    const started = Date.now()
    const blocked = await openLedger(t, url)
      .init()
      .then(
        () => null,
        (error: unknown) => error,
      )
    t.match(String(blocked), /lock timeout/, `that start fails on the lock timeout: ${String(blocked)}`)
    // Within about MIGRATION_LOCK_TIMEOUT, far below the 30 s statement timeout it would otherwise wait.
    t.ok(Date.now() - started < 15_000, `it gave up after ${Date.now() - started} ms`)
    await holder.query('ROLLBACK')
    t.same(
      await recorded(db),
      ALL_IDS.filter((id) => id !== 7),
      'step 7 is not recorded',
    )
    t.equal((await soldSeatForeignKeys(db)).length, 2, 'and its key is still there')
    await openLedger(t, url).init()
    t.same(await recorded(db), ALL_IDS, 'the next start runs every step')
    t.same(await soldSeatForeignKeys(db), RESERVATION_KEY_ONLY, 'and step 7 with them')
  },
)

t.test('init on an up-to-date database runs nothing and takes no lock', async (t) => {
  const url = await freshPostgresDatabase(t, 'mig_fast')
  await openLedger(t, url).init()
  const db = await connect(t, url)
  // Another process holds the migrations lock (as during a long migration): the fast path must not wait.
  await db.query('SELECT pg_advisory_lock($1)', [PG_MIGRATIONS_LOCK_KEY])
  const logs: string[] = []
  t.ok(await settlesWithin(openLedger(t, url, logs).init(), 2000), 'init returned while the lock was held')
  t.same(applied(logs), [], 'no step ran again')

  // Whereas a database missing a record waits for the lock, then runs only that step.
  await db.query('DELETE FROM seatlock_migrations WHERE id = $1', [ALL_IDS.at(-1)])
  const slowLogs: string[] = []
  const waiting = openLedger(t, url, slowLogs).init()
  t.notOk(await settlesWithin(waiting, 300), 'a pending step waits for the lock')
  await db.query('SELECT pg_advisory_unlock($1)', [PG_MIGRATIONS_LOCK_KEY])
  await waiting
  t.equal(applied(slowLogs).length, 1, 'only the unrecorded step ran')
  t.same(await recorded(db), ALL_IDS, 'and it is recorded again')
})

t.test('a step recorded as run is not run again', async (t) => {
  const url = await freshPostgresDatabase(t, 'mig_recorded')
  await openLedger(t, url).init()
  const db = await connect(t, url)
  // The last step's object removed behind the ledger's back while its record stays: init trusts the record.
  await db.query(`DROP FUNCTION ${CONFIRM_BATCH_FUNCTION}`)
  const logs: string[] = []
  await openLedger(t, url, logs).init()
  t.same(applied(logs), [], 'nothing ran')
  const fn = await db.query('SELECT 1 FROM pg_proc WHERE proname = $1', [CONFIRM_BATCH_FUNCTION])
  t.equal(fn.rowCount, 0, 'the recorded step was not replayed')
})

t.test('a database created by the previous release upgrades and keeps its data', async (t) => {
  const { url, db } = await olderDatabase(t, 'mig_previous', PREVIOUS_RELEASE_SCHEMA_SQL)
  // Sales made by the previous release, whose confirms called the v1 function (no init: that would migrate).
  const previous = new PgClient(url)
  t.teardown(() => previous.close())
  const base = event()
  const ev: EventDefinition = {
    ...base,
    sections: base.sections.map((s) => ({ ...s, capacity: 3, seats: ['A1', 'A2', 'A3'] })),
  }
  await createOldEvent(db, ev)
  const [sale] = await confirmBatch(previous, [confirmInput(ev.id, 'A1')], CONFIRM_BATCH_V1_FUNCTION)

  const logs: string[] = []
  const ledger = openLedger(t, url, logs)
  await ledger.init()
  t.same(await recorded(db), ALL_IDS, 'every step recorded')
  t.same(
    await ledger.getReservation(ev.id, sale?.reservation.id ?? ''),
    sale?.reservation,
    'the sale is kept',
  )
  t.same((await ledger.getEvent(ev.id))?.name, ev.name, 'the event is kept')
  // During a rolling upgrade the previous release's instances still sell through v1, beside v2.
  await confirmBatch(previous, [confirmInput(ev.id, 'A2')], CONFIRM_BATCH_V1_FUNCTION)
  await t.rejects(ledger.confirm(confirmInput(ev.id, 'A1')), 'the seat sold before stays sold')
  await t.rejects(ledger.confirmBatch([confirmInput(ev.id, 'A2')]), 'a seat v1 sold meanwhile refuses v2')
  await ledger.confirmBatch([confirmInput(ev.id, 'A3')])
  t.same((await ledger.soldCounts(ev.id)).sections, [{ id: 'vip', sold: 3 }], 'and the counts carry on')
})

t.test(
  "a database from before 'voided' gets the new status rule and the confirm-batch function",
  async (t) => {
    const { url, db } = await olderDatabase(t, 'mig_prevoided', PRE_VOIDED_SCHEMA_SQL)
    const ev = event()
    await createOldEvent(db, ev)
    // That release sold with plain statements (its ledger code is gone; its rows are what matters).
    await db.query(
      `INSERT INTO seatlock_reservations (id, hold_id, event_id, holder, items, amount, currency, status,
       token_hash, created_at) VALUES ('r-old', 'h-old', $1, 'user-1', $2, 800, 'EUR', 'confirmed', 'x', now())`,
      [ev.id, JSON.stringify([{ section: 'vip', seats: ['A1'] }])],
    )
    await db.query(`INSERT INTO seatlock_sold_seats VALUES ($1, 'vip', 'A1', 'r-old')`, [ev.id])
    await db.query(`UPDATE seatlock_sections SET remaining = remaining - 1 WHERE event_id = $1`, [ev.id])

    const ledger = openLedger(t, url)
    await ledger.init()
    const voided = await ledger.voidHold(ev.id, `h-${randomUUID()}`, 'EUR')
    t.equal(voided.status, 'voided', 'a void is accepted by the status rule')
    await ledger.confirmBatch([confirmInput(ev.id, 'A2')])
    t.equal((await ledger.getReservation(ev.id, 'r-old'))?.status, 'confirmed', 'the old sale is kept')
    t.same((await ledger.soldCounts(ev.id)).sections, [{ id: 'vip', sold: 2 }], 'both seats sold')
  },
)

t.test(
  'migration 4: events get status and sales columns from their definitions, and the listing index',
  async (t) => {
    const { url, db } = await olderDatabase(t, 'mig_columns', PREVIOUS_RELEASE_SCHEMA_SQL)
    const plain = event()
    const windowed: EventDefinition = {
      ...event(),
      sales: { openAt: '2026-01-01T00:00:00.000Z', closeAt: '2026-02-01T00:00:00.000Z', closed: false },
    }
    const closed: EventDefinition = { ...event(), sales: { openAt: null, closeAt: null, closed: true } }
    for (const ev of [plain, windowed, closed]) await createOldEvent(db, ev)
    const ledger = openLedger(t, url)
    await ledger.init()
    const { rows } = await db.query<{
      id: string
      status: string
      sales_open_at: Date | null
      sales_close_at: Date | null
      sales_closed: boolean
    }>('SELECT id, status, sales_open_at, sales_close_at, sales_closed FROM seatlock_events')
    const byId = new Map(rows.map((r) => [r.id, r]))
    t.match(byId.get(plain.id), {
      status: 'active',
      sales_open_at: null,
      sales_close_at: null,
      sales_closed: false,
    })
    t.same(
      byId.get(windowed.id)?.sales_close_at,
      new Date('2026-02-01T00:00:00.000Z'),
      'the window, from JSON',
    )
    t.equal(byId.get(closed.id)?.sales_closed, true, 'a close by hand, from JSON')
    const now = Date.parse('2026-03-01T00:00:00Z')
    const list = async (status: 'ended' | 'closed' | 'on-sale') =>
      (await ledger.listEvents({ status, limit: 10, cursor: null, now })).items.map((e) => e.id)
    t.same(await list('ended'), [windowed.id], 'listing filters on the columns')
    t.same(await list('closed'), [closed.id])
    t.same(await list('on-sale'), [plain.id])
    const indexes = await db.query<{ indexdef: string }>(
      `SELECT indexdef FROM pg_indexes WHERE tablename = 'seatlock_events' AND indexname = 'seatlock_events_list_idx'`,
    )
    t.match(
      indexes.rows[0]?.indexdef,
      /\(status, COALESCE\(starts_at, '-infinity'::timestamp with time zone\), id\)/,
    )
    // The table is too small for the planner to pick an index unprompted: seq scans are priced out.
    await db.query('SET enable_seqscan = off')
    // Step 4 builds its indexes in the transaction that updated the rows, so PostgreSQL keeps them from
    // snapshots older than that transaction (pg_index.indcheckxmin): while another test's transaction is
    // still open on the server, the planner may not use them yet. Each EXPLAIN takes a new snapshot.
    const served = await eventually('the listing plan uses an index', async () => {
      const plan = await db.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN SELECT id FROM seatlock_events WHERE status = 'archived'
       ORDER BY COALESCE(starts_at, '-infinity'), id LIMIT 21`,
      )
      const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n')
      return /seatlock_events_(list|order)_idx/.test(text) && text
    })
    t.match(served, /seatlock_events_(list|order)_idx/, 'the listing is served by its indexes')
  },
)

t.test('two processes initialising at once run each step once', async (t) => {
  const url = await freshPostgresDatabase(t, 'mig_race')
  const db = await connect(t, url)
  // Hold the lock until both processes are waiting for it, so they really do start together.
  await db.query('SELECT pg_advisory_lock($1)', [PG_MIGRATIONS_LOCK_KEY])
  const children = [1, 2].map(() =>
    run(process.execPath, ['--import', '@tapjs/typescript/import', CHILD, url], { timeout: 60_000 }),
  )
  const waiting = async (): Promise<boolean> => {
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = $1`,
      [PG_MIGRATIONS_LOCK_KEY],
    )
    return rows[0]?.n === 2
  }
  await eventually('both processes wait for the migrations lock', waiting, { deadlineMs: 30_000 })
  await db.query('SELECT pg_advisory_unlock($1)', [PG_MIGRATIONS_LOCK_KEY])
  const outputs = await Promise.all(children)
  const lines = outputs.flatMap((o) => o.stdout.split('\n'))
  t.equal(lines.filter((l) => l === 'done').length, 2, 'both initialised')
  for (const id of ALL_IDS) {
    t.equal(lines.filter((l) => l.startsWith(`postgres: migration ${id} `)).length, 1, `step ${id} ran once`)
  }
  t.same(await recorded(db), ALL_IDS, 'each step recorded once')
})
