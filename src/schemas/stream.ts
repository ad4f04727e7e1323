/** The change stream's wire format (GET /v1/events/:eventId/stream): what servers send and clients read. */
import type { ChangeType } from '../domain/changes.js'

export interface SectionCountsView {
  id: string
  capacity: number
  available: number
  held: number
  sold: number
  blocked: number
}

/** The `data:` of every change on the stream. Times are ISO 8601 UTC, as everywhere in the API. */
export interface ChangeMessage {
  type: ChangeType
  eventId: string
  /** Redis server time of the change. */
  at: string
  holdId?: string
  reservationId?: string
  /** The block whose seats changed (seats.blocked, seats.unblocked, seats.released). */
  blockId?: string
  /** The hold's expiry after the change (hold.created, hold.extended). */
  expiresAt?: string
  /** Counts after the change, for each section the change touched, in the event's section order. */
  sections: SectionCountsView[]
}
