/**
 * An event's life after its sale: `active` (the sales window and a close by hand decide what sells) until
 * an admin archives it once it is over; `archived` is final. An archived event sells nothing, changes no
 * more and keeps no Redis state: reads come from the ledger, reservations stay readable and cancellable.
 * An event that never sold anything may be deleted instead.
 */
import { salesState } from './sales-window.js'
import type { SalesState, SalesWindow } from './sales-window.js'

export type EventStatus = 'active' | 'archived'

/** What listing filters on: where an active event's sale stands, or archived. */
export type ListStatus = SalesState | 'archived'

/** What the ledger says of an event's lifecycle: small enough to read on every rebuild. */
export interface EventState {
  startsAt: string | null
  sales: SalesWindow
  /** ISO 8601 UTC, or null while the event is active. */
  archivedAt: string | null
}

export function eventStatus(archivedAt: string | null | undefined): EventStatus {
  return archivedAt === null || archivedAt === undefined ? 'active' : 'archived'
}

/**
 * Whether the event is over at `now` (ms), so it may be archived: its start has passed, or its sale has
 * ended (the window's end passed) or was closed by hand. An event without a start that is still on sale
 * (or not yet open) is not over: closing its sales first says it is.
 */
export function isOver(state: Pick<EventState, 'startsAt' | 'sales'>, now: number): boolean {
  if (state.startsAt !== null && Date.parse(state.startsAt) <= now) return true
  const sale = salesState(state.sales, now)
  return sale === 'ended' || sale === 'closed'
}
