/**
 * When an event sells: an optional window (opening and closing times) and a switch an admin turns to stop
 * sales at once. Holds are refused outside the window and while closed; admin (box office) holds are not.
 */
import { isoInput } from './iso-time.js'

export interface SalesWindow {
  /** ISO 8601 UTC; null: on sale from creation. */
  openAt: string | null
  /** ISO 8601 UTC; null: on sale until closed by hand. */
  closeAt: string | null
  /** Closed by an admin, whatever the window says. */
  closed: boolean
}

export const ALWAYS_ON_SALE: SalesWindow = { openAt: null, closeAt: null, closed: false }

/** Where an event's sale stands at `now` (ms). */
export type SalesState = 'on-sale' | 'not-yet-open' | 'ended' | 'closed'

export function salesState(sales: SalesWindow, now: number): SalesState {
  if (sales.closed) return 'closed'
  if (sales.openAt !== null && now < Date.parse(sales.openAt)) return 'not-yet-open'
  if (sales.closeAt !== null && now >= Date.parse(sales.closeAt)) return 'ended'
  return 'on-sale'
}

/** A normalised copy (ISO times), or an Error naming what is wrong: a window must open before it closes. */
export function normalizeSales(sales: SalesWindow): SalesWindow {
  const openAt = sales.openAt === null ? null : isoInput(sales.openAt, 'salesOpenAt')
  const closeAt = sales.closeAt === null ? null : isoInput(sales.closeAt, 'salesCloseAt')
  if (openAt !== null && closeAt !== null && Date.parse(openAt) >= Date.parse(closeAt))
    throw new SalesWindowError('salesOpenAt must be before salesCloseAt')
  return { openAt, closeAt, closed: sales.closed === true }
}

/** The window given cannot be: it closes before it opens. */
export class SalesWindowError extends Error {
  override name = 'SalesWindowError'
}
