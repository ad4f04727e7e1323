/**
 * What a confirm sells, checked and put in lock order before any store is asked: every seat once, units
 * summed per section, one kind per section. Bad input here is a programmer error (plain Error): the hold
 * that is confirmed was checked when it was taken.
 */
import { compareStrings } from '../lib/compare.js'
import type { SectionKind } from './event.js'
import { itemUnits } from './items.js'
import type { Item } from './items.js'

export interface SectionUnits {
  section: string
  kind: SectionKind
  units: number
}

export interface ConfirmPlan {
  /** The items, reduced to their known fields. */
  items: Item[]
  /** Every seat, sorted by (section, seat) so concurrent transactions lock in one order. */
  seats: { section: string; seat: string }[]
  /** Units per section, sorted by section id. */
  sections: SectionUnits[]
}

/** Validate and normalise a confirm's items. */
export function planConfirm(items: Item[]): ConfirmPlan {
  if (!Array.isArray(items) || items.length === 0) throw new Error('confirm: items must not be empty')
  const normalized: Item[] = []
  const seats: { section: string; seat: string }[] = []
  const seen = new Set<string>()
  const units = new Map<string, SectionUnits>()
  for (const item of items) {
    let kind: SectionKind
    if ('seats' in item) {
      if (!Array.isArray(item.seats) || item.seats.length === 0) {
        throw new Error(`confirm: item for section ${item.section} has no seats`)
      }
      for (const seat of item.seats) {
        const key = `${item.section}\u0000${seat}`
        if (seen.has(key)) throw new Error(`confirm: seat ${item.section}/${seat} is listed twice`)
        seen.add(key)
        seats.push({ section: item.section, seat })
      }
      kind = 'seated'
      normalized.push({ section: item.section, seats: [...item.seats] })
    } else {
      if (!Number.isSafeInteger(item.quantity) || item.quantity < 1) {
        throw new Error(`confirm: item for section ${item.section} has an invalid quantity`)
      }
      kind = 'ga'
      normalized.push({ section: item.section, quantity: item.quantity })
    }
    const n = itemUnits(item)
    const entry = units.get(item.section)
    if (entry === undefined) units.set(item.section, { section: item.section, kind, units: n })
    else if (entry.kind !== kind) throw new Error(`confirm: section ${item.section} mixes seats and quantity`)
    else entry.units += n
  }
  seats.sort((a, b) => compareStrings(a.section, b.section) || compareStrings(a.seat, b.seat))
  const sections = [...units.values()].sort((a, b) => compareStrings(a.section, b.section))
  return { items: normalized, seats, sections }
}

/** Units per section of a stored reservation (given back on cancel), sorted by section id. */
export function unitsBySection(items: Item[]): { section: string; units: number }[] {
  const units = new Map<string, number>()
  for (const item of items) units.set(item.section, (units.get(item.section) ?? 0) + itemUnits(item))
  return [...units.entries()]
    .map(([section, n]) => ({ section, units: n }))
    .sort((a, b) => compareStrings(a.section, b.section))
}
