import { Redis } from 'ioredis'
import pg from 'pg'
import { env } from './common.js'
import type { GaItem, SeatRef } from './common.js'

/** The reference's key prefix; the bench sets its general-admission capacities under it (lib/targets.ts). */
export const REFERENCE_PREFIX = 'ref'

/** One ioredis connection, as seatlock uses. */
export function connectBenchRedis(): Redis {
  return new Redis(env('REDIS_URL'), { connectionName: 'bench-baseline' })
}

/** A pool of the same size as seatlock's ledger pool (20). */
export function connectBenchPg(): pg.Pool {
  const pool = new pg.Pool({ connectionString: env('PG_URL'), max: 20, application_name: 'seatlock-bench' })
  pool.on('error', () => undefined)
  return pool
}

export function seatKey(prefix: string, eventId: string, seat: SeatRef): string {
  return `${prefix}:{ev:${eventId}}:seat:${seat.section}:${seat.seat}`
}

/** A general-admission section's counter: a hash of `cap` (its capacity) and `used` (units held or sold). */
export function gaKey(prefix: string, eventId: string, section: string): string {
  return `${prefix}:{ev:${eventId}}:ga:${section}`
}

export function holdKey(prefix: string, eventId: string, holdId: string): string {
  return `${prefix}:{ev:${eventId}}:hold:${holdId}`
}

/** Inserts sold seats in one statement (into a table with or without a unique constraint). */
export async function insertSales(
  pool: pg.Pool,
  table: 'bench_sales' | 'bench_naive_sales',
  server: string,
  eventId: string,
  holdId: string,
  seats: SeatRef[],
): Promise<void> {
  const sections = seats.map((s) => s.section)
  const labels = seats.map((s) => s.seat)
  if (table === 'bench_sales') {
    await pool.query(
      `INSERT INTO bench_sales (server, event_id, section_id, seat, hold_id)
       SELECT $1, $2, u.s, u.seat, $3 FROM unnest($4::text[], $5::text[]) AS u(s, seat)`,
      [server, eventId, holdId, sections, labels],
    )
  } else {
    await pool.query(
      `INSERT INTO bench_naive_sales (event_id, section_id, seat, hold_id)
       SELECT $1, u.s, u.seat, $2 FROM unnest($3::text[], $4::text[]) AS u(s, seat)`,
      [eventId, holdId, sections, labels],
    )
  }
}

/** Inserts one general-admission sale row per section of a confirmed hold, in one statement. */
export async function insertGaSales(
  pool: pg.Pool,
  server: string,
  eventId: string,
  holdId: string,
  items: GaItem[],
): Promise<void> {
  await pool.query(
    `INSERT INTO bench_ga_sales (server, event_id, hold_id, section_id, quantity)
     SELECT $1, $2, $3, u.s, u.q FROM unnest($4::text[], $5::int[]) AS u(s, q)`,
    [server, eventId, holdId, items.map((i) => i.section), items.map((i) => i.quantity)],
  )
}
