/**
 * The end of an event's life (see domain/event-lifecycle.ts): archiving an event that is over, deleting one
 * that never sold. Both hold the event's load lock, the one a rebuild from the ledger and the retention job
 * take, so no rebuild of the event's Redis state interleaves with them.
 */
import { EventHasSalesError } from '../domain/errors.js'
import { isOver } from '../domain/event-lifecycle.js'
import { apiError } from '../errors.js'
import type { Ledger } from '../ledger/port.js'
import { LockBusyError } from '../lib/locks.js'
import type { EventEviction } from '../redis/eviction.js'
import type { HoldStore } from '../redis/hold-store.js'
import type { EventView } from '../schemas/events.js'
import type { EventService, Exclusive } from './events.js'

export class EventLifecycle {
  constructor(
    private readonly events: EventService,
    private readonly ledger: Ledger,
    private readonly store: HoldStore,
    private readonly eviction: EventEviction,
    private readonly exclusive: Exclusive,
  ) {}

  /**
   * Archives an event that is over (its start has passed, or its sale ended or was closed): its Redis state
   * is retired (refused with 409 EVENT_BUSY while a hold, a pin or a change stream lives in it: a hold
   * may live for HOLD_LIFETIME_MAX_S, longer than a request should wait, and the admin decides whether to
   * release them), the ledger marks it archived, then its keys are deleted in pages. The ledger's mark is
   * what stops every instance: a request that finds no state asks the ledger before any rebuild
   * (EventService.ensureLoaded) and never rebuilds an archived event. A repeat answers the archived event
   * and finishes a removal that was cut short.
   */
  async archive(eventId: string): Promise<EventView> {
    const event = await this.events.get(eventId)
    await this.locked(eventId, async (signal) => {
      const state = await this.ledger.getState(eventId)
      if (state === null) {
        this.events.forget(eventId)
        throw apiError('EVENT_NOT_FOUND', { eventId })
      }
      if (state.archivedAt !== null) {
        await this.events.markArchived(event, state.archivedAt)
        const token = (await this.eviction.present(eventId))
          ? await this.eviction.retire(eventId, true)
          : null
        if (token !== null) await this.eviction.drop(eventId, event.definition, token, signal)
        return
      }
      // Redis time, the clock holds are refused by.
      const now = await this.store.now()
      if (!isOver(state, now)) {
        throw apiError('EVENT_NOT_ENDED', {
          eventId,
          startsAt: state.startsAt,
          salesCloseAt: state.sales.closeAt,
          salesClosed: state.sales.closed,
        })
      }
      // From here no hold can be taken (every hold script answers "not ready" and the rebuild it asks
      // for waits for this lock); should the ledger write fail, the next request rebuilds the state.
      const token = await this.eviction.retire(eventId)
      if (token === null) throw apiError('EVENT_BUSY', { eventId })
      const archivedAt = await this.ledger.archiveEvent(eventId, new Date(now).toISOString())
      if (archivedAt === null) throw apiError('EVENT_NOT_FOUND', { eventId })
      await this.events.markArchived(event, archivedAt)
      await this.eviction.drop(eventId, event.definition, token, signal)
    })
    return this.events.view(event)
  }

  /**
   * Deletes an event that never sold: the ledger decides, in one transaction that refuses when any
   * reservation exists (409 EVENT_HAS_SALES) and that a confirm racing it cannot slip past (it commits
   * first and is seen, or fails for want of the event: 404). Then the event's Redis state goes, holds
   * included (they can no longer be confirmed), and the jobs forget it.
   */
  async delete(eventId: string): Promise<void> {
    const event = await this.events.get(eventId)
    await this.locked(eventId, async (signal) => {
      let deleted: boolean
      try {
        deleted = await this.ledger.deleteEvent(eventId)
      } catch (err) {
        if (err instanceof EventHasSalesError) throw apiError('EVENT_HAS_SALES', { eventId })
        throw err
      }
      this.events.forget(eventId)
      if (!deleted) throw apiError('EVENT_NOT_FOUND', { eventId })
      const token = await this.eviction.retire(eventId, true)
      if (token !== null) await this.eviction.drop(eventId, event.definition, token, signal)
      await this.store.active.remove(eventId)
    })
  }

  private async locked(eventId: string, work: (signal: AbortSignal) => Promise<void>): Promise<void> {
    try {
      await this.exclusive(`load:${eventId}`, work)
    } catch (error) {
      // A rebuild (or the retention job) holds the event: the admin retries shortly.
      throw error instanceof LockBusyError ? apiError('EVENT_LOADING') : error
    }
  }
}
