/** What can happen to an event's holds and sales, as watchers of the event are told. */
export type ChangeType =
  | 'hold.created'
  | 'hold.extended'
  | 'hold.released'
  | 'hold.expired'
  | 'hold.confirmed'
  | 'reservation.cancelled'
