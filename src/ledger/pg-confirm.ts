/** Confirms on PostgreSQL: a batch in one call of the batch function, or one confirm in explained steps. */
import { planConfirm } from '../domain/confirm-plan.js'
import { CapacityExceededError, SeatsTakenError, UnknownEventError } from '../domain/errors.js'
import type { SectionKind } from '../domain/event.js'
import { isoInput } from '../domain/iso-time.js'
import type { Reservation } from '../domain/reservation.js'
import { batchResults, planBatch, refuseConflicts } from './common.js'
import type { BatchHold } from './common.js'
import type { PgClient } from './pg-client.js'
import { BATCH_REFUSED_SQLSTATE, CONFIRM_BATCH_FUNCTION } from './pg-confirm-batch.js'
import { PG, pgCode } from './pg-errors.js'
import { RESERVATION_COLUMNS, toReservation } from './pg-rows.js'
import type { ReservationRow } from './pg-rows.js'
import { BatchRefusedError } from './port.js'
import type { ConfirmInput, ConfirmResult } from './port.js'

/** A confirm in steps: slower than the batch function, but its refusal names the seats or section. */
export async function confirmExplained(client: PgClient, input: ConfirmInput): Promise<ConfirmResult> {
  const plan = planConfirm(input.items)
  const createdAt = isoInput(input.createdAt, 'createdAt')
  if (!Number.isSafeInteger(input.amount) || input.amount < 0) throw new Error('confirm: invalid amount')
  try {
    return await client.tx(async (db) => {
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
          if (known.rowCount === 0) {
            // The items were checked against the definition: a section missing is an event deleted since.
            const event = await db.query('SELECT 1 FROM seatlock_events WHERE id = $1', [input.eventId])
            if (event.rowCount === 0) throw new UnknownEventError(`confirm: no event ${input.eventId}`)
            throw new Error(`confirm: unknown section ${input.eventId}/${s.section}`)
          }
          throw new CapacityExceededError(s.section, s.units)
        }
        if (kind !== s.kind)
          throw new Error(`confirm: section ${s.section} is ${kind}, the item is ${s.kind}`)
      }
      return { reservation: toReservation(row), created: true }
    })
  } catch (err) {
    // The reservation refers to an event deleted meanwhile (deleteEvent: the delete committed first, so
    // nothing of this sale was written). A sold seat's section is checked by the count update above.
    if (pgCode(err) === PG.foreignKeyViolation) {
      throw new UnknownEventError(`confirm: no event ${input.eventId}`, { cause: err })
    }
    throw err
  }
}

/**
 * The statement that sends a batch: one call of the batch function `fn` with parallel arrays (one element
 * per hold, per seat, per hold and section), and the planned holds it answers for. The arrays are built in
 * one pass over the holds: the batch is built while the ledger waits for it (one transaction in flight).
 *
 * Only a hold the call did not insert (a retry, a fenced hold) is answered with its whole row, as JSON; a
 * hold it inserted is answered with its hold id alone, since its row is what the batch sent (freshReservation).
 * Parsing thirteen columns a row, a date twice and the items as JSON, cost more than building the batch.
 */
export function batchStatement(inputs: ConfirmInput[], fn: string = CONFIRM_BATCH_FUNCTION) {
  const holds = planBatch(inputs)
  const eventId = holds[0]?.input.eventId as string
  // Validates the batch (one kind per section, no seat named twice) before anything is sent.
  refuseConflicts(holds)
  const n = holds.length
  const ids = new Array<string>(n)
  const holdIds = new Array<string>(n)
  const holders = new Array<string>(n)
  const items = new Array<string>(n)
  const amounts = new Array<number>(n)
  const currencies = new Array<string>(n)
  const paymentRefs = new Array<string | null>(n)
  const tokenHashes = new Array<string>(n)
  const created = new Array<string>(n)
  const seatSections: string[] = []
  const seats: string[] = []
  const seatReservations: string[] = []
  const unitReservations: string[] = []
  const unitSections: string[] = []
  const unitKinds: string[] = []
  const units: number[] = []
  holds.forEach(({ input, plan, createdAt }, i) => {
    ids[i] = input.reservationId
    holdIds[i] = input.holdId
    holders[i] = input.holder
    items[i] = JSON.stringify(plan.items)
    amounts[i] = input.amount
    currencies[i] = input.currency
    paymentRefs[i] = input.paymentRef
    tokenHashes[i] = input.tokenHash
    created[i] = createdAt
    for (const s of plan.seats) {
      seatSections.push(s.section)
      seats.push(s.seat)
      seatReservations.push(input.reservationId)
    }
    for (const s of plan.sections) {
      unitReservations.push(input.reservationId)
      unitSections.push(s.section)
      unitKinds.push(s.kind)
      units.push(s.units)
    }
  })
  const text = `SELECT b.created, b.hold_id, CASE WHEN b.created THEN NULL ELSE row_to_json(b)::text END AS stored
    FROM ${fn}($1, $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[],
           $7::text[], $8::text[], $9::text[], $10::timestamptz[], $11::text[], $12::text[], $13::text[],
           $14::text[], $15::text[], $16::text[], $17::int[]) AS b`
  const values = [
    eventId,
    ids,
    holdIds,
    holders,
    items,
    amounts,
    currencies,
    paymentRefs,
    tokenHashes,
    created,
    seatSections,
    seats,
    seatReservations,
    unitReservations,
    unitSections,
    unitKinds,
    units,
  ]
  return { holds, text, values }
}

/** A batch function's answer for one hold: the row it inserted is known, any other comes as JSON. */
interface BatchAnswer {
  created: boolean
  hold_id: string
  stored: string | null
}

/** The reservation a batch inserted for a hold: exactly what the batch sent for it. */
function freshReservation({ input, plan, createdAt }: BatchHold): Reservation {
  return {
    id: input.reservationId,
    holdId: input.holdId,
    eventId: input.eventId,
    holder: input.holder,
    items: plan.items,
    amount: input.amount,
    currency: input.currency,
    status: 'confirmed',
    paymentRef: input.paymentRef,
    tokenHash: input.tokenHash,
    createdAt,
    cancelledAt: null,
  }
}

/**
 * Every input in one call of the batch function (one round trip, one transaction); BatchRefusedError
 * when the data refuses any of them.
 */
export async function confirmBatch(
  client: PgClient,
  inputs: ConfirmInput[],
  /** The batch function called: the current one, or the previous release's (upgrade tests). */
  fn: string = CONFIRM_BATCH_FUNCTION,
): Promise<ConfirmResult[]> {
  if (inputs.length === 0) return []
  const { holds, text, values } = batchStatement(inputs, fn)
  let rows: BatchAnswer[]
  try {
    // Prepared under the function's name: its text is the same for every batch of one function.
    rows = await client.statement<BatchAnswer>(text, values, fn)
  } catch (err) {
    const code = pgCode(err)
    // v3 leaves a seat sold already to the seat's unique key (v1 and v2 raise SL409 for it).
    if (code === BATCH_REFUSED_SQLSTATE || code === PG.foreignKeyViolation || code === PG.uniqueViolation)
      throw new BatchRefusedError((err as Error).message, { cause: err })
    throw err
  }
  const byHold = new Map(rows.map((row) => [row.hold_id, row]))
  return batchResults(holds, inputs.length, (hold) => {
    const row = byHold.get(hold.input.holdId)
    if (row === undefined) throw new Error(`confirmBatch: no reservation row for hold ${hold.input.holdId}`)
    if (row.created) return { reservation: freshReservation(hold), created: true }
    return { reservation: toReservation(JSON.parse(row.stored as string) as ReservationRow), created: false }
  })
}
