/**
 * The ledger port: the authoritative store of events and sales. Redis only advises; the ledger decides.
 * Two adapters implement it (MongoDB via mongoose, PostgreSQL via pg) and one contract suite
 * (test/ledger/contract.ts) runs against each. What it stores (events, items, reservations) and the
 * refusals it reports are domain facts, defined in src/domain/.
 */
import type { EventDefinition } from '../domain/event.js'
import type { EventChanges } from '../domain/event-changes.js'
import type { EventState } from '../domain/event-lifecycle.js'
import type { Reservation } from '../domain/reservation.js'
import type { SalesWindow } from '../domain/sales-window.js'
import type { BlockEnd, SeatBlock } from '../domain/seat-block.js'
import type { EventPage, EventQuery } from './event-list.js'

// The port's own errors live apart, so modules the port imports (event-list.ts) can throw them too.
export { BatchRefusedError, InvalidCursorError, LedgerUnavailableError } from './ledger-errors.js'

/** The sale a confirm asks for: the reservation to record, in the fields its caller decides. */
export interface ConfirmInput extends Pick<
  Reservation,
  'holdId' | 'eventId' | 'holder' | 'items' | 'amount' | 'currency' | 'paymentRef' | 'tokenHash' | 'createdAt'
> {
  /** Chosen by the caller (stable across retries of one hold). */
  reservationId: string
}

export interface ConfirmResult {
  reservation: Reservation
  /** False when a reservation for this hold already existed (an idempotent repeat). */
  created: boolean
}

/** What was sold per section, used to rebuild an event's Redis state after data loss. */
export interface SoldState {
  /** soldBy[i] is the reservation that bought soldSeats[i] (Redis records it on the seat's key). */
  sections: { id: string; sold: number; soldSeats: string[]; soldBy: string[] }[]
}

/** Units sold per section, from one snapshot: the drift reconciler's cheap comparison. */
export interface SoldCounts {
  sections: { id: string; sold: number }[]
}

export interface ReservationPage {
  items: Reservation[]
  nextCursor: string | null
}

export interface Ledger {
  readonly kind: 'postgres' | 'mongodb'
  /** Create tables / collections and indexes. Safe to run concurrently from many processes. */
  init(): Promise<void>
  /** Resolves when the ledger answers a trivial round trip; rejects otherwise. */
  ping(): Promise<void>
  close(): Promise<void>

  /** Throws EventExistsError when the id is taken. */
  createEvent(event: EventDefinition): Promise<void>
  /** The definition, with archivedAt when the event is archived; null when unknown. */
  getEvent(eventId: string): Promise<EventDefinition | null>
  /** Start, sales window and archive time without the sections (a rebuild reads it), or null when unknown. */
  getState(eventId: string): Promise<EventState | null>
  /**
   * Archives the event unless it is archived already (one atomic write; the revision goes up by one).
   * Returns the archive time in force (`at`, or the earlier one), or null when the event is unknown.
   */
  archiveEvent(eventId: string, at: string): Promise<string | null>
  /**
   * In one transaction, refusing any sale that commits meanwhile: removes the event and its sections when
   * it has no reservation of any status. Returns false when the event is unknown; throws
   * EventHasSalesError when it has a reservation.
   */
  deleteEvent(eventId: string): Promise<boolean>
  countEvents(): Promise<number>
  /** The event's sales window (an event created without one is always on sale), or null when unknown. */
  getSales(eventId: string): Promise<SalesWindow | null>
  /**
   * Closes or reopens sales by hand, leaving the window's times as they are (one atomic write; the
   * revision goes up by one). Returns the window now in force, or null when the event is unknown.
   * Throws EventArchivedError when the event is archived.
   */
  setSalesClosed(eventId: string, closed: boolean): Promise<SalesWindow | null>
  /**
   * Applies an admin's changes in one transaction (applyChanges: the revision goes up by one) and returns
   * the new definition, or null when the event is unknown. Throws PricesLockedError when a price would
   * change and a confirmed reservation of the event exists, UnknownPriceTargetError for an unknown id,
   * EventArchivedError when the event is archived.
   */
  updateEvent(eventId: string, changes: EventChanges): Promise<EventDefinition | null>
  /** The event's revision (0 until its first change), or null when unknown: a cheap staleness check. */
  getRevision(eventId: string): Promise<number | null>
  /**
   * Events in a stable order (without a start first, then by start, then by id), filtered by where their
   * sale stands and by start. Throws InvalidCursorError for a cursor it did not produce.
   */
  listEvents(query: EventQuery): Promise<EventPage>

  /**
   * In one transaction: insert the reservation (unique per holdId), one record per sold seat
   * (unique per event+section+seat) and decrement each section's remaining count, refusing to go below zero.
   * A reservation that already exists for input.holdId is returned with created=false and nothing is written.
   * Throws SeatsTakenError (a seat is already sold) or CapacityExceededError (a count would go below zero),
   * UnknownEventError when the event is not in the ledger (deleted while the confirm was on its way).
   */
  confirm(input: ConfirmInput): Promise<ConfirmResult>
  /**
   * Group commit: every input in ONE transaction, so a rush of confirms in one section pays for one
   * commit (and, on PostgreSQL, one count-row lock; on MongoDB, one count-shard write) instead of one
   * each. Each result matches the input at the same index (several inputs for one hold share one
   * reservation: the first is created, the rest are repeats). All or nothing: when any input would be
   * refused or is invalid the transaction is rolled back and BatchRefusedError (or the ledger's own
   * error, e.g. LedgerUnavailableError) is thrown, and the caller settles the inputs one by one with
   * confirm(). Inputs must belong to one event.
   */
  confirmBatch(inputs: ConfirmInput[]): Promise<ConfirmResult[]>
  /**
   * Fences off a hold whose confirm may still be running somewhere: inserts a 'voided' reservation for
   * holdId unless one exists (unique per hold), in which case nothing is written. Returns whichever row
   * holds the hold's slot afterwards: a confirmed (or cancelled) sale that won the race, or the void.
   */
  voidHold(eventId: string, holdId: string, currency: string): Promise<Reservation>
  getReservation(eventId: string, reservationId: string): Promise<Reservation | null>
  findReservationByHold(eventId: string, holdId: string): Promise<Reservation | null>
  /**
   * In one transaction: mark a confirmed reservation cancelled, delete its sold-seat records and give
   * the counts back. Returns the cancelled reservation, or null when unknown or already cancelled.
   */
  cancel(eventId: string, reservationId: string): Promise<Reservation | null>
  /** Confirmed reservations, newest first. The cursor is opaque to callers. */
  listReservations(eventId: string, limit: number, cursor: string | null): Promise<ReservationPage>
  soldState(eventId: string): Promise<SoldState>
  soldCounts(eventId: string): Promise<SoldCounts>

  /**
   * Seat blocks: the ledger is their source of truth (Redis's blocked seats are rebuilt from it). In one
   * transaction: the block and one record per seat (unique per event+section+seat, so no seat is in two
   * blocks). Throws BlockConflictError, writing nothing, when a seat is sold or in another block.
   */
  createBlock(block: SeatBlock): Promise<void>
  /** Removes a block that never took effect (Redis refused it), with its seat records. */
  discardBlock(eventId: string, blockId: string): Promise<void>
  getBlock(eventId: string, blockId: string): Promise<SeatBlock | null>
  /** The event's blocks that have not ended, oldest first. */
  listBlocks(eventId: string): Promise<SeatBlock[]>
  /**
   * Ends a block (its seat records go, in the same transaction); one that ended before keeps its first
   * end. Returns the block afterwards, or null when unknown.
   */
  endBlock(eventId: string, blockId: string, how: BlockEnd): Promise<SeatBlock | null>
  /** Allocations not ended whose release time is at or before `now` (ms), soonest first, at most `limit`. */
  dueReleases(now: number, limit: number): Promise<SeatBlock[]>
}
