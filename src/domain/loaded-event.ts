import type { EventDefinition, SectionDefinition } from './event.js'
import { expandRows } from './venue-layout.js'
import type { ExpandedRows } from './venue-layout.js'

/** A section with its seat lookups: the set of labels, and the expanded rows when it was given as rows. */
export type LoadedSection = SectionDefinition & { seatSet?: Set<string>; layout?: ExpandedRows }

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
      if (s.rows !== undefined) loaded.layout = expandRows(s.rows, categories)
      return [s.id, loaded]
    }),
  )
  return { definition, sections }
}
