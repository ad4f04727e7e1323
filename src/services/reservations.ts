import { apiError } from '../errors.js'
import type { Ledger } from '../ledger/port.js'
import { InvalidCursorError } from '../ledger/port.js'
import type { HoldAuth, HoldStore } from '../redis/hold-store.js'
import type { ReservationView } from '../schemas/reservations.js'
import { reservationView } from './confirm.js'
import type { EventService } from './events.js'
import { authorizeReservation } from './holds.js'

export class ReservationService {
  constructor(
    private readonly events: EventService,
    private readonly store: HoldStore,
    private readonly ledger: Ledger,
  ) {}

  async get(eventId: string, reservationId: string, auth: HoldAuth): Promise<ReservationView> {
    await this.events.get(eventId)
    const reservation = await this.ledger.getReservation(eventId, reservationId)
    if (!reservation || reservation.status === 'voided') throw apiError('RESERVATION_NOT_FOUND')
    authorizeReservation(reservation, auth)
    return reservationView(reservation)
  }

  /** The ledger cancels (one transaction), then Redis makes the seats available again. */
  async cancel(eventId: string, reservationId: string, auth: HoldAuth): Promise<void> {
    await this.events.get(eventId)
    const existing = await this.ledger.getReservation(eventId, reservationId)
    if (!existing || existing.status === 'voided') throw apiError('RESERVATION_NOT_FOUND')
    authorizeReservation(existing, auth)
    if (existing.status === 'cancelled') {
      // Cancelled before, perhaps by a request that died before Redis heard of it: finish that (once).
      await this.store.returnSeats(eventId, reservationId, existing.items)
      throw apiError('RESERVATION_NOT_FOUND')
    }
    const cancelled = await this.ledger.cancel(eventId, reservationId)
    if (!cancelled) throw apiError('RESERVATION_NOT_FOUND')
    await this.store.returnSeats(eventId, reservationId, cancelled.items)
  }

  async list(eventId: string, limit: number, cursor: string | null) {
    await this.events.get(eventId)
    try {
      const page = await this.ledger.listReservations(eventId, limit, cursor)
      return { items: page.items.map(reservationView), nextCursor: page.nextCursor }
    } catch (error) {
      if (error instanceof InvalidCursorError) throw apiError('INVALID_CURSOR')
      throw error
    }
  }
}
