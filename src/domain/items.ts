/** What a hold or a reservation takes: seats of seated sections, units of general-admission ones. */

/** One line of a hold or reservation: seats of a seated section, or a quantity of a GA section. */
export type Item = { section: string; seats: string[] } | { section: string; quantity: number }

/** Seats or GA units one item takes. */
export function itemUnits(item: Item): number {
  return 'seats' in item ? item.seats.length : item.quantity
}

/** Seats and units all the items take together (what the per-hold and per-holder limits count). */
export function totalUnits(items: readonly Item[]): number {
  let units = 0
  for (const item of items) units += itemUnits(item)
  return units
}
