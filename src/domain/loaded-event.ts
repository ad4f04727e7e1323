import type { EventDefinition, SectionDefinition } from './event.js'
import { sectionSeating } from './seating.js'
import type { SectionSeating } from './seating.js'
import { expandRows } from './venue-layout.js'
import type { ExpandedRows } from './venue-layout.js'

/**
 * A section with its seat lookups: the set of labels, and when it was given as rows the expanded rows
 * and where each seat sits for best-available picks (seating.ts).
 */
export type LoadedSection = SectionDefinition & {
  seatSet?: Set<string>
  layout?: ExpandedRows
  seating?: SectionSeating
}

/** An event definition with seat lookups prepared once; definitions never change after creation. */
export interface LoadedEvent {
  definition: EventDefinition
  sections: Map<string, LoadedSection>
}

export function loadEvent(definition: EventDefinition): LoadedEvent {
  const categories = new Set(Object.keys(definition.categories ?? {}))
  const sections = new Map(
    definition.sections.map((s): [string, LoadedSection] => {
      if (!s.seats) return [s.id, { ...s }]
      const loaded: LoadedSection = { ...s, seatSet: new Set(s.seats) }
      if (s.rows !== undefined) {
        loaded.layout = expandRows(s.rows, categories)
        loaded.seating = sectionSeating(loaded.layout)
      }
      return [s.id, loaded]
    }),
  )
  return { definition, sections }
}

/** A section's seating, by section id (undefined: not given as rows, or not seated). */
export type SeatingOf = (section: string) => SectionSeating | undefined

export function seatingOf(event: LoadedEvent): SeatingOf {
  return (section) => event.sections.get(section)?.seating
}
