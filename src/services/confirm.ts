import { randomUUID } from 'node:crypto'
import { apiError } from '../errors.js'
import type { Ledger, Reservation } from '../ledger/port.js'
import { CapacityExceededError, SeatsTakenError, itemUnits } from '../ledger/port.js'
import type { HoldAuth, HoldStore } from '../redis/hold-store.js'
import type { ReservationView } from '../schemas/reservations.js'
import type { EventService, LoadedEvent } from './events.js'
import { authorizeReservation } from './holds.js'

/** How long a pinned hold is left alone while its ledger transaction runs, before the reconciler looks. */
export const CONFIRM_GRACE_MS = 30_000
/** How long Redis keeps a confirmed hold (after that the ledger answers for it). */
export const CONFIRMED_HOLD_KEEP_MS = 24 * 3600 * 1000

export interface ConfirmOutcome {
  reservation: ReservationView
  created: boolean
}

export function reservationView(r: Reservation): ReservationView {
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

function amountOf(event: LoadedEvent, items: Reservation['items']): number {
  return items.reduce(
    (sum, item) => sum + itemUnits(item) * (event.sections.get(item.section)?.price ?? 0),
    0,
  )
}

/** route → confirm service → pin script → ledger transaction → finalise script. */
export class ConfirmService {
  constructor(
    private readonly events: EventService,
    private readonly store: HoldStore,
    private readonly ledger: Ledger,
    private readonly graceMs = CONFIRM_GRACE_MS,
  ) {}

  async confirm(
    eventId: string,
    holdId: string,
    auth: HoldAuth,
    paymentRef: string | null,
  ): Promise<ConfirmOutcome> {
    const event = await this.events.get(eventId)
    let pin
    try {
      pin = await this.store.pin(eventId, holdId, auth, randomUUID(), this.graceMs)
    } catch (error) {
      if ((error as { code?: string }).code !== 'HOLD_NOT_FOUND') throw error
      // A retry after Redis forgot the hold (or after a day): the ledger knows whether it was sold.
      return {
        reservation: reservationView(await this.existing(eventId, holdId, auth, error)),
        created: false,
      }
    }
    if (pin.kind === 'confirmed') {
      const reservation = await this.ledger.getReservation(eventId, pin.reservationId)
      if (!reservation) throw apiError('HOLD_NOT_FOUND')
      return { reservation: reservationView(reservation), created: false }
    }

    let result
    try {
      result = await this.ledger.confirm({
        reservationId: pin.reservationId,
        holdId,
        eventId,
        holder: pin.holder,
        items: pin.items,
        amount: amountOf(event, pin.items),
        currency: event.definition.currency,
        paymentRef,
        tokenHash: pin.tokenHash,
        createdAt: new Date().toISOString(),
      })
    } catch (error) {
      // The ledger refused a sale Redis allowed: Redis lost data. Free the hold so the buyer can choose again.
      if (error instanceof SeatsTakenError) {
        await this.abandon(eventId, holdId)
        await this.store.markSold(eventId, error.seats)
        throw apiError('SEAT_UNAVAILABLE', { seats: error.seats })
      }
      if (error instanceof CapacityExceededError) {
        await this.abandon(eventId, holdId)
        throw apiError('INSUFFICIENT_CAPACITY', {
          section: error.section,
          requested: error.requested,
          available: 0,
        })
      }
      // Unreachable ledger: the hold stays pinned, so a retry confirms it (or the reconciler settles it).
      throw error
    }
    await this.store.finalise(eventId, holdId, result.reservation.id, CONFIRMED_HOLD_KEEP_MS)
    return { reservation: reservationView(result.reservation), created: result.created }
  }

  private async existing(
    eventId: string,
    holdId: string,
    auth: HoldAuth,
    notFound: unknown,
  ): Promise<Reservation> {
    const reservation = await this.ledger.findReservationByHold(eventId, holdId)
    if (!reservation) throw notFound
    authorizeReservation(reservation, auth)
    return reservation
  }

  private async abandon(eventId: string, holdId: string): Promise<void> {
    await this.store.unpin(eventId, holdId)
    await this.store.release(eventId, holdId, { tokenHash: '', admin: true }).catch(() => undefined)
  }

  /** Reconciler: settles pinned holds whose grace ran out, asking the ledger whether the sale happened. */
  async reconcile(eventId: string, now: number): Promise<{ finalised: number; unpinned: number }> {
    let finalised = 0
    let unpinned = 0
    for (const holdId of await this.store.overduePins(eventId, now, 100)) {
      const reservation = await this.ledger.findReservationByHold(eventId, holdId)
      if (reservation) {
        await this.store.finalise(eventId, holdId, reservation.id, CONFIRMED_HOLD_KEEP_MS)
        finalised++
      } else {
        await this.store.unpin(eventId, holdId)
        unpinned++
      }
    }
    return { finalised, unpinned }
  }
}
