/** An event and its sections, as created and as the ledger stores them. */
import { isoInput } from './iso-time.js'

export type SectionKind = 'seated' | 'ga'

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
}

export interface EventDefinition {
  id: string
  name: string
  /** ISO 8601 UTC, or null when the event has no start time. */
  startsAt: string | null
  currency: string
  sections: SectionDefinition[]
  createdAt: string
}

/** A section's fixed facts without its seat labels, in the order every view lists them. */
export function sectionFacts(s: SectionDefinition): Omit<SectionDefinition, 'seats'> {
  return { id: s.id, name: s.name, kind: s.kind, price: s.price, capacity: s.capacity }
}

/** Check an event definition before storing it; returns a normalised copy (ISO dates, known fields only). */
export function normalizeEvent(event: EventDefinition): EventDefinition {
  if (!Array.isArray(event.sections) || event.sections.length === 0) {
    throw new Error('createEvent: an event needs at least one section')
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
      return { ...sectionFacts(s), seats: [...s.seats] }
    }
    if (s.kind !== 'ga') throw new Error(`createEvent: section ${s.id} has an unknown kind`)
    return sectionFacts(s)
  })
  return {
    id: event.id,
    name: event.name,
    startsAt: event.startsAt === null ? null : isoInput(event.startsAt, 'startsAt'),
    currency: event.currency,
    sections,
    createdAt: isoInput(event.createdAt, 'createdAt'),
  }
}
