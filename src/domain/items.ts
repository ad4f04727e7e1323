/** What a hold or a reservation takes: seats of seated sections, units of general-admission ones. */

/** One line of a hold or reservation: seats of a seated section, or a quantity of a GA section. */
export type Item = { section: string; seats: string[] } | { section: string; quantity: number }

/** Seats or GA units one item takes. */
export function itemUnits(item: Item): number {
  return 'seats' in item ? item.seats.length : item.quantity
}
