/**
 * Seat blocks in the PostgreSQL ledger, the source of truth for them: seatlock_blocks keeps every block
 * (ended ones too, with how they ended), seatlock_blocked_seats one row per seat a block holds, whose
 * primary key refuses a seat in two blocks at once. A block's rows go when it ends.
 */
import { BlockConflictError } from '../domain/seat-block.js'
import type { BlockEnd, BlockedSeat, SeatBlock } from '../domain/seat-block.js'
import type { PgClient } from './pg-client.js'

interface BlockRow {
  id: string
  event_id: string
  reason: string
  allocation: string | null
  release_at: Date | null
  seats: BlockedSeat[]
  created_at: Date
  ended: BlockEnd | null
  ended_at: Date | null
}

const COLUMNS = 'id, event_id, reason, allocation, release_at, seats, created_at, ended, ended_at'

function toBlock(row: BlockRow): SeatBlock {
  return {
    id: row.id,
    eventId: row.event_id,
    reason: row.reason,
    allocation: row.allocation,
    releaseAt: row.release_at === null ? null : row.release_at.toISOString(),
    seats: row.seats,
    createdAt: row.created_at.toISOString(),
    ended: row.ended,
    endedAt: row.ended_at === null ? null : row.ended_at.toISOString(),
  }
}

const key = (s: BlockedSeat) => `${s.section}\u0000${s.seat}`

/** In one transaction: refused (nothing written) when a seat is sold or in another block. */
export async function createBlock(client: PgClient, block: SeatBlock): Promise<void> {
  const sections = block.seats.map((s) => s.section)
  const seats = block.seats.map((s) => s.seat)
  await client.tx(async (db) => {
    const sold = await db.query<{ section_id: string; seat: string }>(
      `SELECT s.section_id, s.seat FROM seatlock_sold_seats s
       JOIN unnest($2::text[], $3::text[]) AS u(section_id, seat) USING (section_id, seat)
       WHERE s.event_id = $1`,
      [block.eventId, sections, seats],
    )
    if (sold.rows.length > 0)
      throw new BlockConflictError(
        sold.rows.map((r) => ({ section: r.section_id, seat: r.seat, status: 'sold' as const })),
      )
    await db.query(
      `INSERT INTO seatlock_blocks (event_id, id, reason, allocation, release_at, seats, created_at)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)`,
      [
        block.eventId,
        block.id,
        block.reason,
        block.allocation,
        block.releaseAt,
        JSON.stringify(block.seats),
        block.createdAt,
      ],
    )
    // A seat in another block (committed, or being inserted: the insert waits for it) is skipped here.
    const inserted = await db.query<{ section_id: string; seat: string }>(
      `INSERT INTO seatlock_blocked_seats (event_id, section_id, seat, block_id)
       SELECT $1, u.section_id, u.seat, $4 FROM unnest($2::text[], $3::text[]) AS u(section_id, seat)
       ON CONFLICT DO NOTHING
       RETURNING section_id, seat`,
      [block.eventId, sections, seats, block.id],
    )
    if (inserted.rows.length < block.seats.length) {
      const got = new Set(inserted.rows.map((r) => key({ section: r.section_id, seat: r.seat })))
      throw new BlockConflictError(
        block.seats.filter((s) => !got.has(key(s))).map((s) => ({ ...s, status: 'blocked' as const })),
      )
    }
  })
}

/** A block Redis refused: gone as if it never was (its seats rows too). */
export async function discardBlock(client: PgClient, eventId: string, blockId: string): Promise<void> {
  await client.tx(async (db) => {
    await db.query('DELETE FROM seatlock_blocked_seats WHERE event_id = $1 AND block_id = $2', [
      eventId,
      blockId,
    ])
    await db.query('DELETE FROM seatlock_blocks WHERE event_id = $1 AND id = $2 AND ended IS NULL', [
      eventId,
      blockId,
    ])
  })
}

export async function getBlock(
  client: PgClient,
  eventId: string,
  blockId: string,
): Promise<SeatBlock | null> {
  const rows = await client.query<BlockRow>(
    `SELECT ${COLUMNS} FROM seatlock_blocks WHERE event_id = $1 AND id = $2`,
    [eventId, blockId],
  )
  return rows[0] === undefined ? null : toBlock(rows[0])
}

export async function listBlocks(client: PgClient, eventId: string): Promise<SeatBlock[]> {
  const rows = await client.query<BlockRow>(
    `SELECT ${COLUMNS} FROM seatlock_blocks WHERE event_id = $1 AND ended IS NULL ORDER BY created_at, id`,
    [eventId],
  )
  return rows.map(toBlock)
}

/**
 * Ends a block in one transaction (its seat rows go, so the seats can be blocked again). A block that
 * ended before keeps its first end. Returns the block afterwards, or null when unknown.
 */
export async function endBlock(
  client: PgClient,
  eventId: string,
  blockId: string,
  how: BlockEnd,
): Promise<SeatBlock | null> {
  return client.tx(async (db) => {
    const updated = await db.query<BlockRow>(
      `UPDATE seatlock_blocks SET ended = $3, ended_at = now()
       WHERE event_id = $1 AND id = $2 AND ended IS NULL
       RETURNING ${COLUMNS}`,
      [eventId, blockId, how],
    )
    if (updated.rows[0] !== undefined) {
      await db.query('DELETE FROM seatlock_blocked_seats WHERE event_id = $1 AND block_id = $2', [
        eventId,
        blockId,
      ])
      return toBlock(updated.rows[0])
    }
    const rows = await db.query<BlockRow>(
      `SELECT ${COLUMNS} FROM seatlock_blocks WHERE event_id = $1 AND id = $2`,
      [eventId, blockId],
    )
    return rows.rows[0] === undefined ? null : toBlock(rows.rows[0])
  })
}

/** Allocations not ended whose release time is at or before `now` (ms), soonest first (a partial index). */
export async function dueReleases(client: PgClient, now: number, limit: number): Promise<SeatBlock[]> {
  const rows = await client.query<BlockRow>(
    `SELECT ${COLUMNS} FROM seatlock_blocks
     WHERE ended IS NULL AND release_at IS NOT NULL AND release_at <= $1
     ORDER BY release_at, event_id, id LIMIT $2`,
    [new Date(now), limit],
  )
  return rows.map(toBlock)
}

/** Migration step: the two tables and the index of releases to come. */
export const BLOCKS_SQL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS seatlock_blocks (
    event_id text NOT NULL REFERENCES seatlock_events (id),
    id text NOT NULL,
    reason text NOT NULL,
    allocation text NULL,
    release_at timestamptz NULL,
    seats jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    ended text NULL CHECK (ended IN ('unblocked', 'released')),
    ended_at timestamptz NULL,
    PRIMARY KEY (event_id, id)
  )`,
  `CREATE INDEX IF NOT EXISTS seatlock_blocks_due_idx ON seatlock_blocks (release_at)
    WHERE ended IS NULL AND release_at IS NOT NULL`,
  `CREATE TABLE IF NOT EXISTS seatlock_blocked_seats (
    event_id text NOT NULL,
    section_id text NOT NULL,
    seat text NOT NULL,
    block_id text NOT NULL,
    PRIMARY KEY (event_id, section_id, seat),
    FOREIGN KEY (event_id, block_id) REFERENCES seatlock_blocks (event_id, id),
    FOREIGN KEY (event_id, section_id) REFERENCES seatlock_sections (event_id, section_id)
  )`,
  `CREATE INDEX IF NOT EXISTS seatlock_blocked_seats_block_idx ON seatlock_blocked_seats (event_id, block_id)`,
]
