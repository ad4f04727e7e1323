/**
 * What a hold may ask for, checked against the event's definition before any store is asked (Redis then
 * checks availability). Each rule answers with the problem it found; services decide the HTTP answer.
 */
import { totalUnits } from './items.js'
import type { RequestItem } from './items.js'
import type { LoadedEvent } from './loaded-event.js'
import { RUN_CLASSES } from './seating.js'

export type ItemsProblem =
  | { kind: 'too-many-units'; requested: number; limit: number }
  | { kind: 'unknown-section'; section: string }
  /** A section named by two items of one hold. */
  | { kind: 'section-repeated'; section: string }
  /** Seats for a GA section (expected: quantity) or a quantity for a seated one (expected: seats). */
  | { kind: 'wrong-item-kind'; section: string; expected: 'quantity' | 'seats' }
  | { kind: 'duplicate-seats'; section: string; seats: string[] }
  | { kind: 'unknown-seats'; section: string; seats: string[] }
  /** Seats together asked of a section not given as rows (nothing says which seats are adjacent). */
  | { kind: 'not-in-rows'; section: string }
  /** More seats together than the run index knows (RUN_CLASSES). */
  | { kind: 'too-many-together'; requested: number; limit: number }
  /** More wheelchair spaces than seats asked for together. */
  | { kind: 'too-many-wheelchairs'; section: string; wheelchairs: number }

/** Labels that occur more than once, each named once, in the order their repeats appear. */
export function repeatedLabels(labels: readonly string[]): string[] {
  const seen = new Set<string>()
  return [...new Set(labels.filter((label) => seen.has(label) || !seen.add(label)))]
}

/** The first problem of a hold's items, or null when the event can take them. */
export function itemsProblem(
  event: LoadedEvent,
  items: readonly RequestItem[],
  maxUnits: number,
): ItemsProblem | null {
  // Size first: a request for 1,000 seats is refused before any per-seat work.
  const units = totalUnits(items)
  if (units > maxUnits) return { kind: 'too-many-units', requested: units, limit: maxUnits }
  const named = new Set<string>()
  for (const item of items) {
    const section = event.sections.get(item.section)
    if (!section) return { kind: 'unknown-section', section: item.section }
    if (named.has(item.section)) return { kind: 'section-repeated', section: item.section }
    named.add(item.section)
    if ('seats' in item) {
      if (section.kind !== 'seated')
        return { kind: 'wrong-item-kind', section: item.section, expected: 'quantity' }
      const repeated = repeatedLabels(item.seats)
      if (repeated.length > 0) return { kind: 'duplicate-seats', section: item.section, seats: repeated }
      const unknown = item.seats.filter((seat) => !section.seatSet?.has(seat))
      if (unknown.length > 0) return { kind: 'unknown-seats', section: item.section, seats: unknown }
    } else if ('together' in item) {
      if (section.kind !== 'seated')
        return { kind: 'wrong-item-kind', section: item.section, expected: 'quantity' }
      if (!section.seating) return { kind: 'not-in-rows', section: item.section }
      if (item.quantity > RUN_CLASSES)
        return { kind: 'too-many-together', requested: item.quantity, limit: RUN_CLASSES }
      if (item.wheelchairs !== undefined && item.wheelchairs > item.quantity)
        return { kind: 'too-many-wheelchairs', section: item.section, wheelchairs: item.wheelchairs }
    } else if (section.kind !== 'ga') {
      return { kind: 'wrong-item-kind', section: item.section, expected: 'seats' }
    }
  }
  return null
}

/** A hold's TTL: whole seconds from 1 to the configured maximum. */
export function ttlInRange(ttlSeconds: number, maxSeconds: number): boolean {
  return Number.isInteger(ttlSeconds) && ttlSeconds >= 1 && ttlSeconds <= maxSeconds
}
