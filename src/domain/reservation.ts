/** A sale as the ledger records it. */
import type { Item } from './items.js'

/**
 * 'voided' marks a hold the reconciler gave up on: it occupies the hold's unique reservation slot so a
 * confirm transaction that commits late finds it and sells nothing. Voided rows are never shown to clients.
 */
export type ReservationStatus = 'confirmed' | 'cancelled' | 'voided'

export interface Reservation {
  id: string
  holdId: string
  eventId: string
  holder: string
  items: Item[]
  amount: number
  currency: string
  status: ReservationStatus
  paymentRef: string | null
  /** SHA-256 hex of the hold's token, so the hold's owner can read and cancel the reservation. */
  tokenHash: string
  createdAt: string
  cancelledAt: string | null
}
