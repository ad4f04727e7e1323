import type { HoldAuth } from '../domain/hold.js'
import { apiError } from '../errors.js'
import { seatingOf } from '../domain/loaded-event.js'
import type { Ledger } from '../ledger/port.js'
import { InvalidCursorError } from '../ledger/port.js'
import type { HoldStore } from '../redis/hold-store.js'
import type { ReservationView } from '../schemas/reservations.js'
import type { EventService } from './events.js'
import { authorizeReservation } from './reservation-access.js'
import { reservationView } from './reservation-view.js'

/**
 * How long a cancel counts as in flight (the ledger step's own deadline is 1-1.5 s): until then the drift
 * reconciler leaves the event's GA counts alone, after it takes the cancel over (lua/healSold-4.lua).
 */
export const CANCEL_IN_FLIGHT_MS = 3000

/** How long a cancel keeps its event visited by the reconciler (ms). */
const CANCEL_VISIBLE_MS = 5 * 60_000

export class ReservationService {
  constructor(
    private readonly events: EventService,
    private readonly store: HoldStore,
    private readonly ledger: Ledger,
    /** Told when the ledger cancelled but Redis could not be told (the drift reconciler heals it). */
    private readonly onReturnFailed: (eventId: string, reservationId: string, error: unknown) => void = () =>
      undefined,
  ) {}

  async get(eventId: string, reservationId: string, auth: HoldAuth): Promise<ReservationView> {
    await this.events.get(eventId)
    const reservation = await this.ledger.getReservation(eventId, reservationId)
    if (!reservation || reservation.status === 'voided') throw apiError('RESERVATION_NOT_FOUND')
    authorizeReservation(reservation, auth)
    return reservationView(reservation)
  }

  /**
   * Marks the cancel in flight in Redis, the ledger cancels (one transaction), then Redis makes the seats
   * available again. Redis unreachable before the ledger step: 503 and nothing was cancelled (the client
   * retries). Once the ledger has cancelled, the answer is 204 even if the Redis step fails: the ledger is
   * the truth, the cancel is done and a retry could only answer 404; what Redis missed is healed by the
   * drift reconciler within seconds (src/jobs/drift.ts), without a retry. A repeat of an already
   * cancelled reservation never touches Redis: only the request whose transaction made the cancel
   * returns the seats, so a stale repeat cannot free what a later buyer holds or bought. On an archived
   * event the cancel is the ledger's transaction alone (the ledger is asked, not this instance's cache).
   */
  async cancel(eventId: string, reservationId: string, auth: HoldAuth): Promise<void> {
    const event = await this.events.get(eventId)
    const existing = await this.ledger.getReservation(eventId, reservationId)
    if (!existing || existing.status !== 'confirmed') throw apiError('RESERVATION_NOT_FOUND')
    authorizeReservation(existing, auth)
    // An archived event has no Redis state to return seats to, and must not get one back: the ledger's
    // transaction (reservation cancelled, counts given back) is the whole cancel.
    if (await this.events.archived(event)) {
      if (!(await this.ledger.cancel(eventId, reservationId))) throw apiError('RESERVATION_NOT_FOUND')
      return
    }
    await this.store.markCancelling(eventId, reservationId, CANCEL_IN_FLIGHT_MS)
    // The reconciler visits the active events only: this one must stay among them long enough for it to
    // finish this cancel in Redis should the request die before it does (a crash, a Redis fault).
    await this.store.active.keep(eventId, Date.now() + CANCEL_VISIBLE_MS)
    const cancelled = await this.ledger.cancel(eventId, reservationId)
    if (!cancelled) throw apiError('RESERVATION_NOT_FOUND')
    try {
      await this.store.returnSeats(eventId, reservationId, cancelled.items, seatingOf(event))
    } catch (error) {
      this.onReturnFailed(eventId, reservationId, error)
    }
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
