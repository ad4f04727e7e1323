/** Tables of the PostgreSQL hold baseline and the sales tables the Redis baselines confirm into. */
export const BASELINE_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS bench_pg_sections (
     event_id text NOT NULL,
     section_id text NOT NULL,
     capacity integer NOT NULL,
     remaining integer NOT NULL CHECK (remaining >= 0),
     PRIMARY KEY (event_id, section_id))`,
  `CREATE TABLE IF NOT EXISTS bench_pg_holds (
     id text PRIMARY KEY,
     event_id text NOT NULL,
     holder text NOT NULL,
     token_hash text NOT NULL,
     status text NOT NULL,
     expires_at timestamptz NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now())`,
  `CREATE TABLE IF NOT EXISTS bench_pg_seats (
     event_id text NOT NULL,
     section_id text NOT NULL,
     seat text NOT NULL,
     hold_id text NOT NULL,
     status text NOT NULL,
     expires_at timestamptz NOT NULL,
     PRIMARY KEY (event_id, section_id, seat))`,
  `CREATE INDEX IF NOT EXISTS bench_pg_seats_hold_idx ON bench_pg_seats (hold_id)`,
  `CREATE TABLE IF NOT EXISTS bench_sales (
     server text NOT NULL,
     event_id text NOT NULL,
     section_id text NOT NULL,
     seat text NOT NULL,
     hold_id text NOT NULL,
     PRIMARY KEY (server, event_id, section_id, seat))`,
  // General-admission sales of the reference: units have no labels, so bench_sales (one row per seat,
  // keyed by the seat) does not fit and a synthetic seat label would hide the quantity. One row per
  // confirmed hold and section, carrying the quantity, keyed by the hold as seatlock's reservations are.
  `CREATE TABLE IF NOT EXISTS bench_ga_sales (
     server text NOT NULL,
     event_id text NOT NULL,
     section_id text NOT NULL,
     hold_id text NOT NULL,
     quantity integer NOT NULL CHECK (quantity > 0),
     PRIMARY KEY (server, event_id, hold_id, section_id))`,
  // The naive baseline's sales table has no unique constraint: that is what makes it naive.
  `CREATE TABLE IF NOT EXISTS bench_naive_sales (
     event_id text NOT NULL,
     section_id text NOT NULL,
     seat text NOT NULL,
     hold_id text NOT NULL)`,
]

export const BASELINE_TABLES = [
  'bench_pg_sections',
  'bench_pg_holds',
  'bench_pg_seats',
  'bench_sales',
  'bench_ga_sales',
  'bench_naive_sales',
]
