/** An event and its sections, as created and as the ledger stores them. */
import { isoInput } from './iso-time.js'
import { normalizeSales } from './sales-window.js'
import type { SalesWindow } from './sales-window.js'
import { LONE_SEAT_RULES } from './seating.js'
import type { LoneSeatRule } from './seating.js'
import { expandRows, LayoutError } from './venue-layout.js'
import type { SeatRow } from './venue-layout.js'

export type SectionKind = 'seated' | 'ga'

/** A price category's id: an identifier without "." (MongoDB reads a dotted key as a path). */
export const CATEGORY_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$'
const CATEGORY_ID = new RegExp(CATEGORY_ID_PATTERN)

export interface SectionDefinition {
  id: string
  name: string
  kind: SectionKind
  /** Price of one seat / unit in minor units of the event currency. */
  price: number
  /** Number of seats (seated) or units (GA). */
  capacity: number
  /** Seat labels, in the order given at creation; present only for seated sections. */
  seats?: string[]
  /** The rows the seats were given as (seats holds their labels, expanded); absent for a plain list. */
  rows?: SeatRow[]
}

export interface EventDefinition {
  id: string
  name: string
  /** ISO 8601 UTC, or null when the event has no start time. */
  startsAt: string | null
  currency: string
  /** Price categories (id → price in minor units) that rows and seats may name; absent when none. */
  categories?: Record<string, number>
  sections: SectionDefinition[]
  createdAt: string
  /** When the event sells (see sales-window.ts); absent: always on sale (events created before windows). */
  sales?: SalesWindow
  /** Raised by every admin change (see event-changes.ts); absent: never changed (0). */
  revision?: number
  /** When the event was archived (see event-lifecycle.ts), as the ledger reads it back; absent: not archived. */
  archivedAt?: string
  /** What best-available picks may leave as lone seats (seating.ts); absent: DEFAULT_LONE_SEAT_RULE. */
  loneSeats?: LoneSeatRule
}

/** A section's fixed facts without its seat labels, in the order every view lists them. */
export function sectionFacts(s: SectionDefinition): Omit<SectionDefinition, 'seats' | 'rows'> {
  return { id: s.id, name: s.name, kind: s.kind, price: s.price, capacity: s.capacity }
}

/** Check an event definition before storing it; returns a normalised copy (ISO dates, known fields only). */
export function normalizeEvent(event: EventDefinition): EventDefinition {
  if (!Array.isArray(event.sections) || event.sections.length === 0) {
    throw new Error('createEvent: an event needs at least one section')
  }
  if (event.loneSeats !== undefined && !LONE_SEAT_RULES.includes(event.loneSeats))
    throw new Error(`createEvent: loneSeats ${String(event.loneSeats)} is not a rule`)
  const categories = new Set(Object.keys(event.categories ?? {}))
  for (const [id, price] of Object.entries(event.categories ?? {})) {
    if (!CATEGORY_ID.test(id)) throw new Error(`createEvent: category id ${id} is not valid`)
    if (!Number.isSafeInteger(price) || price < 0)
      throw new Error(`createEvent: category ${id} has an invalid price`)
  }
  const ids = new Set<string>()
  const sections: SectionDefinition[] = event.sections.map((s) => {
    if (ids.has(s.id)) throw new Error(`createEvent: section id ${s.id} is used twice`)
    ids.add(s.id)
    if (!Number.isSafeInteger(s.capacity) || s.capacity < 1) {
      throw new Error(`createEvent: section ${s.id} has an invalid capacity`)
    }
    if (s.kind === 'seated') {
      if (!Array.isArray(s.seats) || s.seats.length !== s.capacity) {
        throw new Error(`createEvent: seated section ${s.id} must list exactly capacity seats`)
      }
      if (new Set(s.seats).size !== s.seats.length)
        throw new Error(`createEvent: section ${s.id} repeats a seat`)
      if (s.rows === undefined) return { ...sectionFacts(s), seats: [...s.seats] }
      if (!rowsGiveSeats(s.rows, s.seats, categories))
        throw new Error(`createEvent: the rows of section ${s.id} do not give its seats`)
      return { ...sectionFacts(s), seats: [...s.seats], rows: s.rows }
    }
    if (s.kind !== 'ga') throw new Error(`createEvent: section ${s.id} has an unknown kind`)
    return sectionFacts(s)
  })
  return {
    id: event.id,
    name: event.name,
    startsAt: event.startsAt === null ? null : isoInput(event.startsAt, 'startsAt'),
    currency: event.currency,
    // An empty map is no map: MongoDB would not keep it, so neither ledger does.
    ...(Object.keys(event.categories ?? {}).length === 0 ? {} : { categories: { ...event.categories } }),
    sections,
    createdAt: isoInput(event.createdAt, 'createdAt'),
    ...(event.sales === undefined ? {} : { sales: normalizeSales(event.sales) }),
    ...(event.revision === undefined ? {} : { revision: event.revision }),
    ...(event.loneSeats === undefined ? {} : { loneSeats: event.loneSeats }),
  }
}

/** The ledger keeps a layout only together with the labels it expands to (the ones sold seats name). */
function rowsGiveSeats(rows: SeatRow[], seats: string[], categories: ReadonlySet<string>): boolean {
  let labels: string[]
  try {
    labels = expandRows(rows, categories).labels
  } catch (err) {
    if (err instanceof LayoutError) return false
    throw err
  }
  return labels.length === seats.length && labels.every((label, i) => label === seats[i])
}
