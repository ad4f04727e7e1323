import type { Item, RequestItem } from '../../domain/items.js'
import type { SeatingOf } from '../../domain/loaded-event.js'
import type { Place } from '../../domain/seating.js'
import type { EventKeys } from '../keys.js'

/**
 * Items as the scripts store them: "k" is "s" (seats; "p" where each sits, for sections given as rows),
 * "g" (GA quantity) or, in a create only, "b" (the best q seats together, picked by the script; "x": 1
 * when they may be split).
 */
type ScriptItem =
  | { s: string; k: 's'; seats: string[]; p?: Place[] }
  | { s: string; k: 'g'; q: number }
  | { s: string; k: 'b'; q: number; x?: 1; w?: number }

/** No section has seating (a definition without rows): items carry no places. */
const NO_SEATING: SeatingOf = () => undefined

/**
 * The items JSON the scripts take (createHold, returnSeats) and keep in a hold's `i` field. Seats of
 * sections given as rows carry their places, so every script that frees or takes them keeps the section's
 * best-available structure true.
 */
export function itemsJson(items: readonly RequestItem[], seating: SeatingOf = NO_SEATING): string {
  return JSON.stringify(
    items.map((item): ScriptItem => {
      if ('seats' in item) {
        const places = seating(item.section)?.places
        const p = places && item.seats.map((seat) => places.get(seat))
        return p?.every((place) => place !== undefined)
          ? { s: item.section, k: 's', seats: item.seats, p }
          : { s: item.section, k: 's', seats: item.seats }
      }
      if ('together' in item)
        return {
          s: item.section,
          k: 'b',
          q: item.quantity,
          ...(item.split ? { x: 1 } : {}),
          ...(item.wheelchairs ? { w: item.wheelchairs } : {}),
        }
      return { s: item.section, k: 'g', q: item.quantity }
    }),
  )
}

/** The seating keys (bitmap, row facts, run index) of the sections given as rows that the items name. */
export function seatingKeysOf(k: EventKeys, items: readonly RequestItem[], seating: SeatingOf): string[] {
  const sections = new Set(
    items.filter((item) => !('quantity' in item && !('together' in item))).map((item) => item.section),
  )
  return [...sections].filter((section) => seating(section) !== undefined).flatMap((s) => k.seating(s))
}

export function itemsFromJson(json: string): Item[] {
  return (JSON.parse(json) as ScriptItem[]).map((item) =>
    item.k === 's' ? { section: item.s, seats: item.seats } : { section: item.s, quantity: item.q },
  )
}

/** The seat keys of the items' seats, in the order the items JSON lists them (the scripts' KEYS order). */
export function seatKeysOf(k: EventKeys, items: readonly RequestItem[]): string[] {
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
  const sections = new Set<string>()
  for (const item of JSON.parse(json) as ScriptItem[])
    if (item.k === 's') {
      keys.push(...item.seats.map((seat) => k.seat(item.s, seat)))
      if (item.p) sections.add(item.s)
    }
  for (const section of sections) keys.push(...k.seating(section))
  return keys
}
