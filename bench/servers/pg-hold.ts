/**
 * The usual database approach: a hold is a PostgreSQL transaction. Seat rows carry a primary key on
 * (event, section, seat), so a second hold of a seat finds the row taken (an expired hold's row is taken
 * over); the section's count is decremented with `remaining >= n` in the WHERE clause, last, so its row
 * lock is held as briefly as possible. Confirm flips the hold and its seats to sold in one transaction.
 */
import type pg from 'pg'
import {
  DEFAULT_TTL_S,
  conflict,
  createBaseApp,
  eventParamsSchema,
  hashToken,
  holdBodySchema,
  newHoldId,
  newToken,
  seatsOf,
  serve,
  tokenOf,
} from './common.js'
import type { HoldBody, HoldParams } from './common.js'
import { connectBenchPg } from './redis-common.js'

class Refused extends Error {}

const pool = connectBenchPg()
const app = createBaseApp()

async function transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    const result = await work(client)
    await client.query('COMMIT')
    return result
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw error
  } finally {
    client.release()
  }
}

app.post<{ Params: { eventId: string }; Body: HoldBody }>(
  '/v1/events/:eventId/holds',
  { schema: { params: eventParamsSchema, body: holdBodySchema } },
  async (request, reply) => {
    const { eventId } = request.params
    const { holder, items } = request.body
    const seats = seatsOf(request.body)
    const holdId = newHoldId()
    const token = newToken()
    const ttlS = request.body.ttlSeconds ?? DEFAULT_TTL_S
    try {
      await transaction(async (client) => {
        const hold = await client.query<{ expires_at: Date }>(
          `INSERT INTO bench_pg_holds (id, event_id, holder, token_hash, status, expires_at)
           VALUES ($1, $2, $3, $4, 'held', now() + make_interval(secs => $5)) RETURNING expires_at`,
          [holdId, eventId, holder, hashToken(token), ttlS],
        )
        const taken = await client.query(
          `INSERT INTO bench_pg_seats (event_id, section_id, seat, hold_id, status, expires_at)
           SELECT $1, u.s, u.seat, $2, 'held', $3 FROM unnest($4::text[], $5::text[]) AS u(s, seat)
           ON CONFLICT (event_id, section_id, seat) DO UPDATE
             SET hold_id = EXCLUDED.hold_id, status = 'held', expires_at = EXCLUDED.expires_at
             WHERE bench_pg_seats.status = 'held' AND bench_pg_seats.expires_at < now()
           RETURNING seat`,
          [eventId, holdId, hold.rows[0]?.expires_at, seats.map((s) => s.section), seats.map((s) => s.seat)],
        )
        if (taken.rowCount !== seats.length) throw new Refused()
        for (const item of [...items].sort((a, b) => (a.section < b.section ? -1 : 1))) {
          const counted = await client.query(
            `UPDATE bench_pg_sections SET remaining = remaining - $3
             WHERE event_id = $1 AND section_id = $2 AND remaining >= $3`,
            [eventId, item.section, item.seats.length],
          )
          if (counted.rowCount !== 1) throw new Refused()
        }
      })
    } catch (error) {
      if (error instanceof Refused) return reply.code(409).send(conflict('a seat is not available'))
      throw error
    }
    return reply.code(201).send({ id: holdId, token, eventId, status: 'held' })
  },
)

app.post<{ Params: HoldParams }>('/v1/events/:eventId/holds/:holdId/confirm', async (request, reply) => {
  const { eventId, holdId } = request.params
  try {
    await transaction(async (client) => {
      const hold = await client.query(
        `UPDATE bench_pg_holds SET status = 'sold'
         WHERE id = $1 AND event_id = $2 AND token_hash = $3 AND status = 'held' AND expires_at > now()`,
        [holdId, eventId, hashToken(tokenOf(request.headers))],
      )
      if (hold.rowCount !== 1) throw new Refused()
      await client.query(`UPDATE bench_pg_seats SET status = 'sold' WHERE hold_id = $1 AND status = 'held'`, [
        holdId,
      ])
    })
  } catch (error) {
    if (error instanceof Refused) return reply.code(409).send({ statusCode: 409, code: 'NOT_CONFIRMABLE' })
    throw error
  }
  return reply.code(201).send({ id: holdId, status: 'confirmed' })
})

app.delete<{ Params: HoldParams }>('/v1/events/:eventId/holds/:holdId', async (request, reply) => {
  const { eventId, holdId } = request.params
  try {
    await transaction(async (client) => {
      const hold = await client.query(
        `UPDATE bench_pg_holds SET status = 'released'
         WHERE id = $1 AND event_id = $2 AND token_hash = $3 AND status = 'held'`,
        [holdId, eventId, hashToken(tokenOf(request.headers))],
      )
      if (hold.rowCount !== 1) throw new Refused()
      const freed = await client.query<{ section_id: string; n: number }>(
        `WITH d AS (DELETE FROM bench_pg_seats WHERE hold_id = $1 AND status = 'held' RETURNING section_id)
         SELECT section_id, count(*)::int AS n FROM d GROUP BY section_id ORDER BY section_id`,
        [holdId],
      )
      for (const row of freed.rows) {
        await client.query(
          'UPDATE bench_pg_sections SET remaining = remaining + $3 WHERE event_id = $1 AND section_id = $2',
          [eventId, row.section_id, row.n],
        )
      }
    })
  } catch (error) {
    if (error instanceof Refused) return reply.code(404).send({ statusCode: 404, code: 'HOLD_NOT_FOUND' })
    throw error
  }
  return reply.code(204).send()
})

await serve(app, () => pool.end())
