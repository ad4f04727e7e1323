/**
 * What an admin may change of an event once it exists, and the rules for it: its name, start, sales window
 * and prices. Seats and sections never change (sold seats name them); prices change only while nothing is
 * sold (a sale's amount must be the price its buyer was shown).
 */
import type { EventDefinition } from './event.js'
import { isoInput } from './iso-time.js'
import { ALWAYS_ON_SALE, normalizeSales } from './sales-window.js'
import type { SalesWindow } from './sales-window.js'

export interface EventChanges {
  name?: string
  startsAt?: string | null
  /** New opening and closing times (null: none); merged with the current window, whose `closed` stays. */
  sales?: Partial<Pick<SalesWindow, 'openAt' | 'closeAt'>>
  /** New prices of sections (id → minor units), by id; sections not named keep theirs. */
  sectionPrices?: Record<string, number>
  /** New prices of the event's price categories (id → minor units); categories not named keep theirs. */
  categoryPrices?: Record<string, number>
}

/** A change names a section or category the event does not have. */
export class UnknownPriceTargetError extends Error {
  override name = 'UnknownPriceTargetError'
  constructor(
    readonly kind: 'section' | 'category',
    readonly id: string,
  ) {
    super(`the event has no ${kind} ${id}`)
  }
}

/**
 * The definition after `changes`, with its revision one higher (instances compare revisions to learn of
 * the change: see EventService.get). Throws UnknownPriceTargetError for a price of something unknown and
 * SalesWindowError for a window that would close before it opens.
 */
export function applyChanges(current: EventDefinition, changes: EventChanges): EventDefinition {
  const sectionPrices = changes.sectionPrices ?? {}
  const known = new Set(current.sections.map((s) => s.id))
  for (const id of Object.keys(sectionPrices))
    if (!known.has(id)) throw new UnknownPriceTargetError('section', id)
  const categoryPrices = changes.categoryPrices ?? {}
  for (const id of Object.keys(categoryPrices))
    if (current.categories?.[id] === undefined) throw new UnknownPriceTargetError('category', id)
  return {
    ...current,
    name: changes.name ?? current.name,
    startsAt:
      changes.startsAt === undefined
        ? current.startsAt
        : changes.startsAt === null
          ? null
          : isoInput(changes.startsAt, 'startsAt'),
    ...(current.categories === undefined ? {} : { categories: { ...current.categories, ...categoryPrices } }),
    sections: current.sections.map((s) =>
      sectionPrices[s.id] === undefined ? s : { ...s, price: sectionPrices[s.id] as number },
    ),
    ...(changes.sales === undefined
      ? {}
      : { sales: normalizeSales({ ...(current.sales ?? ALWAYS_ON_SALE), ...changes.sales }) }),
    revision: (current.revision ?? 0) + 1,
  }
}

/** True when a price of a section or category differs between the two definitions. */
export function pricesDiffer(before: EventDefinition, after: EventDefinition): boolean {
  if (before.sections.some((s, i) => after.sections[i]?.price !== s.price)) return true
  const categories = before.categories ?? {}
  return Object.keys(categories).some((id) => after.categories?.[id] !== categories[id])
}
