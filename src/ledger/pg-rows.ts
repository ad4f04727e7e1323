/** Reservation rows as PostgreSQL returns them, and the domain's Reservation made from one. */
import type { Item } from '../domain/items.js'
import type { Reservation, ReservationStatus } from '../domain/reservation.js'

export const RESERVATION_COLUMNS = `id, hold_id, event_id, holder, items, amount, currency, status, payment_ref, token_hash,
  created_at, cancelled_at`

export interface ReservationRow {
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
  /** A Date as pg parses the column; an ISO string where the row came as JSON (a batch's repeats). */
  created_at: Date | string
  cancelled_at: Date | string | null
}

function iso(value: Date | string): string {
  return new Date(value).toISOString()
}

export function toReservation(row: ReservationRow): Reservation {
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
