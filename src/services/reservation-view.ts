import type { Reservation } from '../domain/reservation.js'
import type { ReservationView } from '../schemas/reservations.js'

/** A reservation as the API shows it (without the token hash). Voided rows are never shown. */
export function reservationView(r: Reservation): ReservationView {
  if (r.status === 'voided') throw new Error('a voided reservation is never shown')
  return {
    id: r.id,
    holdId: r.holdId,
    eventId: r.eventId,
    holder: r.holder,
    items: r.items,
    amount: r.amount,
    currency: r.currency,
    status: r.status,
    paymentRef: r.paymentRef,
    createdAt: r.createdAt,
  }
}
