/** An event and its sections, as created and as the ledger stores them. */

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
