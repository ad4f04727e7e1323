/**
 * Refusals that are facts about events and sales, whichever store noticed them. Services decide what
 * each one answers over HTTP.
 */

/** An event with this id exists already. */
export class EventExistsError extends Error {
  override name = 'EventExistsError'
}

/** These seats are sold already. */
export class SeatsTakenError extends Error {
  override name = 'SeatsTakenError'
  constructor(readonly seats: { section: string; seat: string }[]) {
    super('seat already sold')
  }
}

/** The section has fewer units left than requested. */
export class CapacityExceededError extends Error {
  override name = 'CapacityExceededError'
  constructor(
    readonly section: string,
    readonly requested: number,
  ) {
    super('section capacity exceeded')
  }
}

/** Prices change only while nothing of the event is sold. */
export class PricesLockedError extends Error {
  override name = 'PricesLockedError'
}

/** The event is archived: it sells nothing and changes no more (see event-lifecycle.ts). */
export class EventArchivedError extends Error {
  override name = 'EventArchivedError'
}

/** The event has (or had) a reservation, so it cannot be deleted. */
export class EventHasSalesError extends Error {
  override name = 'EventHasSalesError'
}

/** The event is not in the ledger (never was, or was deleted while a sale for it was on its way). */
export class UnknownEventError extends Error {
  override name = 'UnknownEventError'
}
