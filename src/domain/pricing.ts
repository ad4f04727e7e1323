import type { Item } from './items.js'
import type { LoadedEvent, LoadedSection } from './loaded-event.js'

/**
 * What one seat costs: the price of its category when its row or the seat names one (see
 * venue-layout.ts), else its section's price.
 */
export function seatPrice(
  section: Pick<LoadedSection, 'price' | 'layout'>,
  seat: string,
  categories: Readonly<Record<string, number>> | undefined,
): number {
  const category = section.layout?.categories.get(seat)
  return (category === undefined ? undefined : categories?.[category]) ?? section.price
}

/** What the items cost, in minor units of the event's currency: each seat's price, or units times the GA price. */
export function amountOf(event: LoadedEvent, items: readonly Item[]): number {
  const { categories } = event.definition
  return items.reduce((sum, item) => {
    const section = event.sections.get(item.section)
    if (section === undefined) return sum
    if (!('seats' in item)) return sum + item.quantity * section.price
    return item.seats.reduce((total, seat) => total + seatPrice(section, seat, categories), sum)
  }, 0)
}
