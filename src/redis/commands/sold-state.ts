import type { SectionDefinition } from '../../domain/event.js'
import type { Item } from '../../domain/items.js'
import type { RedisClient } from '../client.js'
import type { EventKeys } from '../keys.js'
import { SCRIPT_CODE as CODE } from '../script-codes.js'
import type { SeatingOf } from '../../domain/loaded-event.js'
import { itemsJson, seatingKeysOf, seatKeysOf } from './items.js'

/** The seating keys of the distinct sections given as rows among `seats`. */
function sectionsSeatingKeys(
  k: EventKeys,
  seats: readonly { section: string }[],
  seating: SeatingOf,
): string[] {
  const sections = new Set(seats.map((s) => s.section))
  return [...sections].filter((section) => seating(section) !== undefined).flatMap((s) => k.seating(s))
}
import { num, pairsOf, unexpectedReply } from './replies.js'

/** The scripts that write sold state from the ledger's facts: loading, sales Redis missed, cancels, heals. */

/** Makes a loaded event's state live (lua/activateEvent-2.lua); false when a concurrent load won. */
export async function activateEvent(
  redis: RedisClient,
  k: EventKeys,
  args: {
    sections: readonly SectionDefinition[]
    sold: (section: string) => number
    blocked: (section: string) => number
  },
): Promise<{ activated: boolean }> {
  const argv = args.sections.flatMap((s) => [
    s.id,
    s.kind === 'seated' ? 's' : 'g',
    s.capacity,
    args.sold(s.id),
    args.blocked(s.id),
  ])
  const reply = await redis.activateEvent(2, k.meta, k.counts, ...argv)
  return { activated: num(reply[0]) === 1 }
}

/** Seats the ledger says are sold, with their reservation ("" unknown) (lua/markSold-2.lua). */
export async function markSold(
  redis: RedisClient,
  k: EventKeys,
  args: {
    seats: readonly { section: string; seat: string; reservationId?: string }[]
    seating?: SeatingOf
  },
): Promise<{ marked: number }> {
  const seating = args.seating ?? (() => undefined)
  const argv = args.seats.flatMap((s) => {
    const place = seating(s.section)?.places.get(s.seat)
    return [s.section, s.seat, s.reservationId ?? '', place?.[0] ?? '', place?.[1] ?? '']
  })
  const seatKeys = args.seats.map((s) => k.seat(s.section, s.seat))
  const seatingKeys = sectionsSeatingKeys(k, args.seats, seating)
  const reply = await redis.markSold(
    2 + seatKeys.length + seatingKeys.length,
    k.meta,
    k.counts,
    ...seatKeys,
    ...seatingKeys,
    ...argv,
  )
  return { marked: num(reply[0]) }
}

/** Indexes rows first..last of a section's seating after a load wrote them (lua/indexRows-3.lua). */
export async function indexRows(
  redis: RedisClient,
  k: EventKeys,
  section: string,
  first: number,
  last: number,
): Promise<void> {
  await redis.indexRows(3, ...k.seating(section), first, last)
}

/** GA sold counts raised to the ledger's (lua/syncSold-2.lua). */
export async function syncSold(
  redis: RedisClient,
  k: EventKeys,
  args: { sold: readonly { section: string; sold: number }[] },
): Promise<{ moved: number }> {
  const argv = args.sold.flatMap((s) => [s.section, s.sold])
  const reply = await redis.syncSold(2, k.meta, k.counts, ...argv)
  return { moved: num(reply[0]) }
}

/** A cancel is in flight for `ms` from now, Redis time (lua/markCancelling-2.lua). */
export async function markCancelling(
  redis: RedisClient,
  k: EventKeys,
  args: { reservationId: string; ms: number },
): Promise<{ deadline: number }> {
  const reply = await redis.markCancelling(2, k.meta, k.cancelling, args.reservationId, args.ms)
  return { deadline: num(reply[0]) }
}

/** A cancelled reservation's seats and units given back (lua/returnSeats-7.lua). */
export async function returnSeats(
  redis: RedisClient,
  k: EventKeys,
  args: { reservationId: string; items: readonly Item[]; seating?: SeatingOf },
): Promise<{ seats: number; units: number }> {
  const seating = args.seating ?? (() => undefined)
  const seatKeys = seatKeysOf(k, args.items)
  const seatingKeys = seatingKeysOf(k, args.items, seating)
  const reply = await redis.returnSeats(
    7 + seatKeys.length + seatingKeys.length,
    ...k.shared,
    k.cancelling,
    ...seatKeys,
    ...seatingKeys,
    args.reservationId,
    itemsJson(args.items, seating),
  )
  return { seats: num(reply[0]), units: num(reply[1]) }
}

/** One call of lua/healSold-4.lua: seats to set from the ledger, seated counts, GA counts. */
export interface HealPlan {
  /** [section, seat, owning reservation id or "" when the ledger has the seat unsold] */
  seats?: [string, string, string][]
  /** [section, sold keys counted at the read plus earlier pages' changes] */
  seatedCounts?: [string, number][]
  /** [section, the ledger's sold units] */
  ga?: [string, number][]
}

export type HealResult =
  | {
      kind: 'applied'
      version: string
      seats: number
      counts: number
      /** GA sections left for the next pass (a confirm or cancel in flight). */
      waiting: number
      /** Per seated section, how much the seat fixes moved its sold count. */
      deltas: [string, number][]
    }
  | { kind: 'changed' }
  | { kind: 'not-ready' }

/** Applies a heal if the sale version is still `version`. */
export async function healSold(
  redis: RedisClient,
  k: EventKeys,
  args: { version: string; plan: HealPlan; seating?: SeatingOf },
): Promise<HealResult> {
  const { plan } = args
  const seating = args.seating ?? (() => undefined)
  // A seat of a section given as rows carries where it sits, so its bit follows the heal.
  const fixes = (plan.seats ?? []).map((fix) => {
    const place = seating(fix[0])?.places.get(fix[1])
    return place ? [...fix, place[0], place[1]] : fix
  })
  const json = JSON.stringify({ s: fixes, c: plan.seatedCounts ?? [], g: plan.ga ?? [] })
  const seatKeys = (plan.seats ?? []).map(([section, seat]) => k.seat(section, seat))
  const seatingKeys = sectionsSeatingKeys(
    k,
    (plan.seats ?? []).map(([section]) => ({ section })),
    seating,
  )
  const reply = await redis.healSold(
    4 + seatKeys.length + seatingKeys.length,
    k.meta,
    k.counts,
    k.confirming,
    k.cancelling,
    ...seatKeys,
    ...seatingKeys,
    args.version,
    json,
  )
  switch (reply[0]) {
    case 0:
      return { kind: 'changed' }
    case CODE.NOT_READY:
      return { kind: 'not-ready' }
    case 1:
      return {
        kind: 'applied',
        version: String(reply[1]),
        seats: num(reply[2]),
        counts: num(reply[3]),
        waiting: num(reply[4]),
        deltas: pairsOf(reply, 5).map(([section, delta]) => [section, Number(delta)]),
      }
  }
  throw unexpectedReply('healSold', reply)
}
