/** What a hold or a reservation takes: seats of seated sections, units of general-admission ones. */

/** One line of a hold or reservation: seats of a seated section, or a quantity of a GA section. */
export type Item = { section: string; seats: string[] } | { section: string; quantity: number }

/**
 * A request for the best `quantity` adjacent seats of a seated section given as rows, picked when the
 * hold is taken (best available); the hold then has them as an Item with seats. `split`: when no block
 * of that many exists, the seats may come as two blocks (a row or two).
 */
export interface TogetherItem {
  section: string
  quantity: number
  together: true
  split?: boolean
  /** Accessible: this many of the seats are wheelchair spaces, the others their companion seats. */
  wheelchairs?: number
}

/** What a hold request may name: seats, GA units, or seats together to be picked. */
export type RequestItem = Item | TogetherItem

export function isTogether(item: RequestItem): item is TogetherItem {
  return 'together' in item
}

/** Seats or GA units one item takes. */
export function itemUnits(item: RequestItem): number {
  return 'seats' in item ? item.seats.length : item.quantity
}

/** Seats and units all the items take together (what the per-hold and per-holder limits count). */
export function totalUnits(items: readonly RequestItem[]): number {
  let units = 0
  for (const item of items) units += itemUnits(item)
  return units
}
