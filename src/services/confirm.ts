import { CapacityExceededError, SeatsTakenError, UnknownEventError } from '../domain/errors.js'
import type { HoldAuth } from '../domain/hold.js'
import { seatingOf } from '../domain/loaded-event.js'
import type { LoadedEvent } from '../domain/loaded-event.js'
import { amountOf } from '../domain/pricing.js'
import type { Reservation } from '../domain/reservation.js'
import { apiError } from '../errors.js'
import type { GroupCommit } from '../ledger/group-commit.js'
import type { Ledger } from '../ledger/port.js'
import { allOk, Coalescer } from '../lib/coalesce.js'
import { newReservationId } from '../lib/tokens.js'
import type { ActionsCounter, FinaliseOutcome, HoldStore } from '../redis/hold-store.js'
import type { ReservationView } from '../schemas/reservations.js'
import type { EventService } from './events.js'
import { saleOfForgottenHold } from './reservation-access.js'
import { reservationView } from './reservation-view.js'
import { answerRefusal, isUnknownHold, refusalError } from './store-refusals.js'

/**
 * How long a pinned hold is left alone while its ledger transaction runs before the reconciler asks the
 * ledger about it (a confirm's transaction gives up within a few seconds). Asking never fences: a sale
 * the ledger has is finalised at once (a crash between commit and finalise heals within seconds), and
 * a hold without one is left pinned until its own expiry, when it is fenced.
 */
export const CONFIRM_GRACE_MS = 3_000
/** How long Redis keeps a confirmed hold (after that the ledger answers for it). */
export const CONFIRMED_HOLD_KEEP_MS = 24 * 3600 * 1000

/**
 * The steps of a confirm that wait on something: pin (Redis), ledger (the group commit, its queue
 * included) and finalise (Redis). Their times say where a confirm's latency goes under a rush.
 */
export type ConfirmStage = 'pin' | 'ledger' | 'finalise'
export type StageTimer = (stage: ConfirmStage, seconds: number) => void

export interface ConfirmOutcome {
  reservation: ReservationView
  created: boolean
}

/** route → confirm service → pin script → ledger transaction → finalise script. */
export class ConfirmService {
  /**
   * The holds of one group commit reach step 3 together (in one microtask pass), and one finalise script
   * call serves them; those that arrive while it runs go together in the next, as in the group commit.
   */
  private readonly finalises = new Coalescer<{ holdId: string; reservationId: string }, FinaliseOutcome>(
    async (eventId, holds) => allOk(await this.store.finaliseMany(eventId, holds, CONFIRMED_HOLD_KEEP_MS)),
  )

  constructor(
    private readonly events: EventService,
    private readonly store: HoldStore,
    private readonly ledger: Ledger,
    /** The ledger's confirm, grouped: concurrent confirms of one event share a transaction. */
    private readonly sales: Pick<GroupCommit, 'confirm'>,
    private readonly graceMs = CONFIRM_GRACE_MS,
    /** Told how long each step of a confirm that reached it took (the metrics). */
    private readonly timed: StageTimer = () => undefined,
  ) {}

  async confirm(
    eventId: string,
    holdId: string,
    auth: HoldAuth,
    paymentRef: string | null,
    /** The request's hold-actions limit, counted by the pin (one Redis; see plugins/rate-limits.ts). */
    actions?: ActionsCounter,
  ): Promise<ConfirmOutcome> {
    const event = await this.events.get(eventId)
    let pin
    try {
      pin = await this.step('pin', () =>
        this.store.pin(eventId, holdId, auth, newReservationId(), this.graceMs, actions),
      )
    } catch (error) {
      if (!isUnknownHold(error)) answerRefusal(error)
      const notFound = refusalError({ kind: 'hold', reason: 'unknown' })
      // A retry after Redis forgot the hold (or after a day): the ledger knows whether it was sold.
      return {
        reservation: reservationView(await saleOfForgottenHold(this.ledger, eventId, holdId, auth, notFound)),
        created: false,
      }
    }
    if (pin.kind === 'rateLimited') throw refusalError({ ...pin, scope: 'actions' })
    if (pin.kind === 'confirmed') {
      const reservation = await this.ledger.getReservation(eventId, pin.reservationId)
      if (!reservation) throw apiError('HOLD_NOT_FOUND')
      return { reservation: reservationView(reservation), created: false }
    }

    let result
    try {
      result = await this.step('ledger', () =>
        this.sales.confirm({
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
        }),
      )
    } catch (error) {
      // The ledger refused a sale Redis allowed: Redis lost data. Free the hold so the buyer can choose again.
      if (error instanceof SeatsTakenError) {
        await this.abandon(eventId, holdId)
        await this.store.markSold(eventId, error.seats, seatingOf(event))
        throw apiError('SEAT_UNAVAILABLE', { seats: error.seats })
      }
      if (error instanceof CapacityExceededError) {
        await this.abandon(eventId, holdId)
        const available = await this.learnSold(event, eventId, [error.section])
        throw apiError('INSUFFICIENT_CAPACITY', {
          section: error.section,
          requested: error.requested,
          available: available.get(error.section) ?? 0,
        })
      }
      // The event was deleted while this confirm was on its way: nothing was sold, and its Redis state
      // (the pinned hold with it) is being removed by the delete.
      if (error instanceof UnknownEventError) {
        this.events.forget(eventId)
        throw apiError('EVENT_NOT_FOUND', { eventId })
      }
      // Unreachable ledger: the hold stays pinned, so a retry confirms it (or the reconciler settles it).
      throw error
    }
    if (result.reservation.status === 'voided') {
      // The reconciler gave up on this confirm before it committed; the void won, nothing was sold.
      await this.abandon(eventId, holdId)
      throw apiError('HOLD_EXPIRED')
    }
    const sold = result.reservation
    await this.step('finalise', () => this.settle(event, eventId, holdId, sold))
    return { reservation: reservationView(result.reservation), created: result.created }
  }

  /** Runs one step of a confirm and tells its time (only a step that succeeded is timed). */
  private async step<T>(stage: ConfirmStage, run: () => Promise<T>): Promise<T> {
    const start = performance.now()
    const value = await run()
    this.timed(stage, (performance.now() - start) / 1000)
    return value
  }

  /**
   * Step 3: the ledger sold it, so Redis must show it sold. Normally the finalise script does; if the hold
   * was already gone from Redis (data loss), the sale is applied from the ledger's facts instead.
   */
  private async settle(event: LoadedEvent, eventId: string, holdId: string, reservation: Reservation) {
    if (reservation.status !== 'confirmed') return
    const outcome = await this.finalises.submit(eventId, { holdId, reservationId: reservation.id })
    if (outcome === 'finalised' || outcome === 'alreadyConfirmed') return
    const seats = reservation.items.flatMap((item) =>
      'seats' in item
        ? item.seats.map((seat) => ({ section: item.section, seat, reservationId: reservation.id }))
        : [],
    )
    if (seats.length > 0) await this.store.markSold(eventId, seats, seatingOf(event))
    const ga = reservation.items.filter((item) => !('seats' in item)).map((item) => item.section)
    if (ga.length > 0) await this.learnSold(event, eventId, ga)
  }

  /** Raises Redis's GA sold counts to the ledger's; returns what the ledger leaves available per section. */
  private async learnSold(
    event: LoadedEvent,
    eventId: string,
    sections: string[],
  ): Promise<Map<string, number>> {
    const state = await this.ledger.soldState(eventId)
    const sold = state.sections.filter(
      (s) => sections.includes(s.id) && event.sections.get(s.id)?.kind === 'ga',
    )
    await this.store.syncSold(
      eventId,
      sold.map((s) => ({ section: s.id, sold: s.sold })),
    )
    return new Map(sold.map((s) => [s.id, (event.sections.get(s.id)?.capacity ?? 0) - s.sold]))
  }

  private async abandon(eventId: string, holdId: string): Promise<void> {
    await this.store.unpin(eventId, holdId)
    await this.store.release(eventId, holdId, { tokenHash: '', admin: true }).catch(() => undefined)
  }

  /**
   * Reconciler: settles pinned holds whose grace ran out. A sale the ledger already has is finalised.
   * A hold without one stays the buyer's until its own expiry (a confirm that met an unreachable ledger
   * can be retried until then): the pin is deferred to that moment. Past it, the hold is fenced in the
   * ledger first (voidHold takes the hold's unique reservation slot unless a sale already has it), so a
   * confirm still running somewhere can no longer commit; then Redis follows whichever side won.
   */
  async reconcile(eventId: string): Promise<{ finalised: number; freed: number; deferred: number }> {
    let finalised = 0
    let freed = 0
    let deferred = 0
    const now = await this.store.now()
    const overdue = await this.store.overduePins(eventId, now, 100)
    if (overdue.length === 0) return { finalised, freed, deferred }
    const event = await this.events.get(eventId)
    for (const holdId of overdue) {
      const sale = await this.ledger.findReservationByHold(eventId, holdId)
      if (sale === null) {
        const expiresAt = await this.store.pinnedExpiry(eventId, holdId)
        if (expiresAt !== null && expiresAt > now) {
          await this.store.deferPin(eventId, holdId, expiresAt)
          deferred++
          continue
        }
      }
      const slot = sale ?? (await this.ledger.voidHold(eventId, holdId, event.definition.currency))
      if (slot.status === 'confirmed') {
        await this.settle(event, eventId, holdId, slot)
        finalised++
      } else {
        // Voided now or earlier, or sold and already cancelled: the hold's seats go back.
        await this.abandon(eventId, holdId)
        freed++
      }
    }
    return { finalised, freed, deferred }
  }
}
