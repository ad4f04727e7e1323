/**
 * Listing events, shared by both adapters: the order (events without a start first, then by start, then by
 * id: stable, every event once), its keyset cursor, and the query's checks. Pure, no I/O.
 */
import type { ListStatus } from '../domain/event-lifecycle.js'
import type { SalesWindow } from '../domain/sales-window.js'
import { InvalidCursorError } from './ledger-errors.js'

export interface EventQuery {
  /**
   * Only archived events, or only active events whose sale stands so at `now` (see salesState). Without
   * it, every event, archived ones included.
   */
  status?: ListStatus
  /** Only events starting at or after this time (ISO); events without a start are then left out. */
  startsFrom?: string
  /** Only events starting before this time (ISO); events without a start are then left out. */
  startsBefore?: string
  limit: number
  cursor: string | null
  /** The time the status is judged at (ms): the caller passes Redis time, the clock holds are refused by. */
  now: number
}

/** An event as a list shows it: its facts without sections. */
export interface EventSummary {
  id: string
  name: string
  startsAt: string | null
  currency: string
  sales: SalesWindow
  createdAt: string
  /** ISO 8601 UTC, or null while the event is active. */
  archivedAt: string | null
}

export interface EventPage {
  items: EventSummary[]
  nextCursor: string | null
}

/** Where a page ends in the order: the last event's start (null: none) and id. */
export interface EventCursor {
  startsAt: string | null
  id: string
}

export function encodeEventCursor(at: EventCursor): string {
  return Buffer.from(JSON.stringify([at.startsAt, at.id]), 'utf8').toString('base64url')
}

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

/** Throws InvalidCursorError for anything encodeEventCursor did not produce. */
export function decodeEventCursor(cursor: string): EventCursor {
  if (/^[A-Za-z0-9_-]{1,2000}$/.test(cursor)) {
    try {
      const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
      if (Array.isArray(value) && value.length === 2) {
        const [startsAt, id] = value as unknown[]
        const start = startsAt === null || (typeof startsAt === 'string' && ISO_MS.test(startsAt))
        if (start && typeof id === 'string' && id.length > 0)
          return { startsAt: startsAt as string | null, id }
      }
    } catch {
      // not JSON: invalid below
    }
  }
  throw new InvalidCursorError('invalid cursor')
}

/** A page from up to size + 1 events fetched in order: the extra one only says another page exists. */
export function eventPageFrom<T extends EventCursor>(
  fetched: T[],
  size: number,
): { items: T[]; nextCursor: string | null } {
  const items = fetched.slice(0, size)
  const last = items[items.length - 1]
  return { items, nextCursor: fetched.length > size && last !== undefined ? encodeEventCursor(last) : null }
}
