/** Between the domain's items and reservations and the MongoDB ledger's documents. */
import type { Item } from '../domain/items.js'
import { isoInput } from '../domain/iso-time.js'
import type { Reservation } from '../domain/reservation.js'
import type { SalesWindow } from '../domain/sales-window.js'
import type { ItemDoc, ReservationDoc, SalesDoc, SoldSeatDoc } from './mongo-models.js'
import type { ConfirmInput } from './port.js'

export function toItem(item: ItemDoc): Item {
  return Array.isArray(item.seats)
    ? { section: item.section, seats: [...item.seats] }
    : { section: item.section, quantity: item.quantity ?? 0 }
}

export function toReservation(doc: ReservationDoc): Reservation {
  return {
    id: doc._id,
    holdId: doc.holdId,
    eventId: doc.eventId,
    holder: doc.holder,
    items: doc.items.map(toItem),
    amount: doc.amount,
    currency: doc.currency,
    status: doc.status,
    paymentRef: doc.paymentRef ?? null,
    tokenHash: doc.tokenHash,
    createdAt: new Date(doc.createdAt).toISOString(),
    cancelledAt: doc.cancelledAt ? new Date(doc.cancelledAt).toISOString() : null,
  }
}

export function reservationDoc(input: ConfirmInput, items: Item[]): ReservationDoc {
  return {
    _id: input.reservationId,
    holdId: input.holdId,
    eventId: input.eventId,
    holder: input.holder,
    items: items.map((i) => ('seats' in i ? { section: i.section, seats: i.seats } : i)),
    amount: input.amount,
    currency: input.currency,
    status: 'confirmed',
    paymentRef: input.paymentRef,
    tokenHash: input.tokenHash,
    createdAt: new Date(isoInput(input.createdAt, 'createdAt')),
    cancelledAt: null,
  }
}

export function soldSeatDocs(
  eventId: string,
  seats: { section: string; seat: string }[],
  reservationId: string,
): SoldSeatDoc[] {
  return seats.map((s) => ({ eventId, section: s.section, seat: s.seat, reservationId }))
}

export function salesDoc(sales: SalesWindow): SalesDoc {
  return {
    openAt: sales.openAt === null ? null : new Date(sales.openAt),
    closeAt: sales.closeAt === null ? null : new Date(sales.closeAt),
    closed: sales.closed,
  }
}

export function toSales(doc: SalesDoc): SalesWindow {
  return {
    openAt: doc.openAt ? new Date(doc.openAt).toISOString() : null,
    closeAt: doc.closeAt ? new Date(doc.closeAt).toISOString() : null,
    closed: doc.closed === true,
  }
}
