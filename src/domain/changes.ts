/** What can happen to an event's holds and sales, as watchers of the event are told. */
export type ChangeType =
  | 'hold.created'
  | 'hold.extended'
  | 'hold.released'
  | 'hold.expired'
  | 'hold.confirmed'
  | 'reservation.cancelled'
  /** An admin blocked seats, unblocked them, or an allocation's release time put them back on sale. */
  | 'seats.blocked'
  | 'seats.unblocked'
  | 'seats.released'
