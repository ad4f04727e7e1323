import type { Item } from '../../domain/items.js'
import type { EventKeys } from '../keys.js'

/** Items as the scripts store them: "k" is "s" (seats) or "g" (GA quantity). */
type ScriptItem = { s: string; k: 's'; seats: string[] } | { s: string; k: 'g'; q: number }

/** The items JSON the scripts take (createHold, returnSeats) and keep in a hold's `i` field. */
export function itemsJson(items: readonly Item[]): string {
  return JSON.stringify(
    items.map((item): ScriptItem =>
      'seats' in item
        ? { s: item.section, k: 's', seats: item.seats }
        : { s: item.section, k: 'g', q: item.quantity },
    ),
  )
}

export function itemsFromJson(json: string): Item[] {
  return (JSON.parse(json) as ScriptItem[]).map((item) =>
    item.k === 's' ? { section: item.s, seats: item.seats } : { section: item.s, quantity: item.q },
  )
}

/** The seat keys of the items' seats, in the order the items JSON lists them (the scripts' KEYS order). */
export function seatKeysOf(k: EventKeys, items: readonly Item[]): string[] {
  return items.flatMap((item) =>
    'seats' in item ? item.seats.map((seat) => k.seat(item.section, seat)) : [],
  )
}

/**
 * A hold's own keys (its holder's index and its seat keys) from the fields its create wrote, which never
 * change: what a script acting on the hold declares besides the event's shared keys.
 */
export function ownKeysOf(k: EventKeys, fields: Record<string, string>): string[] {
  const keys = fields.hk ? [k.holderOf(fields.hk)] : []
  if (fields.i === undefined) return keys
  let json = fields.i
  for (let n = 2; fields[`i${n}`] !== undefined; n++) json += fields[`i${n}`]
  for (const item of JSON.parse(json) as ScriptItem[])
    if (item.k === 's') keys.push(...item.seats.map((seat) => k.seat(item.s, seat)))
  return keys
}
