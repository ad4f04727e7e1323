import { itemUnits } from './items.js'
import type { Item } from './items.js'
import type { LoadedEvent } from './loaded-event.js'

/** What the items cost, in minor units of the event's currency: units times their section's price. */
export function amountOf(event: LoadedEvent, items: readonly Item[]): number {
  return items.reduce(
    (sum, item) => sum + itemUnits(item) * (event.sections.get(item.section)?.price ?? 0),
    0,
  )
}
