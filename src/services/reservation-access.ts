/** Who may read a sale the ledger holds, and the sale behind a hold Redis no longer knows. */
import { grants } from '../domain/hold.js'
import type { HoldAuth } from '../domain/hold.js'
import type { Reservation } from '../domain/reservation.js'
import { apiError } from '../errors.js'
import type { Ledger } from '../ledger/port.js'

/** Token check for records the ledger holds (a confirmed hold's reservation). */
export function authorizeReservation(reservation: Reservation, auth: HoldAuth): void {
  if (!grants(auth, reservation.tokenHash)) throw apiError('HOLD_TOKEN_INVALID')
}

/**
 * The sale the ledger remembers for a hold Redis no longer knows (confirmed over a day ago, or Redis lost
 * it), for the hold's owner; `notFound` is thrown when the ledger has none either.
 */
export async function saleOfForgottenHold(
  ledger: Ledger,
  eventId: string,
  holdId: string,
  auth: HoldAuth,
  notFound: unknown,
): Promise<Reservation> {
  const reservation = await ledger.findReservationByHold(eventId, holdId)
  if (!reservation) throw notFound
  if (reservation.status === 'voided') throw apiError('HOLD_EXPIRED')
  authorizeReservation(reservation, auth)
  return reservation
}
