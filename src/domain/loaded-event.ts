import type { EventDefinition, SectionDefinition } from './event.js'

/** An event definition with seat lookups prepared once; definitions never change after creation. */
export interface LoadedEvent {
  definition: EventDefinition
  sections: Map<string, SectionDefinition & { seatSet?: Set<string> }>
}

export function loadEvent(definition: EventDefinition): LoadedEvent {
  const sections = new Map(
    definition.sections.map((s) => [s.id, s.seats ? { ...s, seatSet: new Set(s.seats) } : { ...s }]),
  )
  return { definition, sections }
}
