/**
 * Seats held back by an admin: a block (a reason, no end of its own) or an allocation (a named block, e.g.
 * "accessible", which may carry a release time at which its seats go back on sale by themselves). Only
 * seats of seated sections are blocked: a general-admission unit has no identity to hold back.
 */

export interface BlockedSeat {
  section: string
  seat: string
}

/** How a block ended: an admin unblocked it, or its release time came. */
export type BlockEnd = 'unblocked' | 'released'

export interface SeatBlock {
  id: string
  eventId: string
  reason: string
  /** The allocation's name; null for a plain block. */
  allocation: string | null
  /** When an allocation goes back on sale by itself (ISO 8601), or null. */
  releaseAt: string | null
  seats: BlockedSeat[]
  createdAt: string
  /** null while the block holds its seats. */
  ended: BlockEnd | null
  endedAt: string | null
}

/** Why a seat cannot be blocked. */
export type UnblockableStatus = 'held' | 'sold' | 'blocked'

/** Seats that are not free to block (sold, or in another block, says the ledger; held, says Redis). */
export class BlockConflictError extends Error {
  override name = 'BlockConflictError'
  constructor(readonly seats: (BlockedSeat & { status: UnblockableStatus })[]) {
    super('seats cannot be blocked')
  }
}

/** The block's seats grouped by section, sections and seats in the order given (the scripts' items). */
export function seatsBySection(seats: readonly BlockedSeat[]): { section: string; seats: string[] }[] {
  const bySection = new Map<string, string[]>()
  for (const { section, seat } of seats) {
    const list = bySection.get(section)
    if (list) list.push(seat)
    else bySection.set(section, [seat])
  }
  return [...bySection].map(([section, list]) => ({ section, seats: list }))
}

/**
 * Whether a block still holds its seats at `now` (ms): ended blocks never do, and an allocation whose
 * release time has come does not either, even before the release job recorded it (a rebuild of the
 * event's Redis state must not block its seats again).
 */
export function holdsSeats(block: SeatBlock, now: number): boolean {
  return block.ended === null && (block.releaseAt === null || Date.parse(block.releaseAt) > now)
}

export type BlockSeatsProblem =
  | { kind: 'unknown-section'; section: string }
  | { kind: 'not-seated'; section: string }
  | { kind: 'duplicate-seats'; section: string; seats: string[] }
  | { kind: 'unknown-seats'; section: string; seats: string[] }

/** The first problem of a block's seats against the event's definition, or null when it can take them. */
export function blockSeatsProblem(
  sections: ReadonlyMap<string, { kind: 'seated' | 'ga'; seatSet?: ReadonlySet<string> }>,
  seats: readonly BlockedSeat[],
): BlockSeatsProblem | null {
  for (const { section: id, seats: labels } of seatsBySection(seats)) {
    const section = sections.get(id)
    if (!section) return { kind: 'unknown-section', section: id }
    if (section.kind !== 'seated') return { kind: 'not-seated', section: id }
    const seen = new Set<string>()
    const repeated = [...new Set(labels.filter((label) => seen.has(label) || !seen.add(label)))]
    if (repeated.length > 0) return { kind: 'duplicate-seats', section: id, seats: repeated }
    const unknown = labels.filter((seat) => !section.seatSet?.has(seat))
    if (unknown.length > 0) return { kind: 'unknown-seats', section: id, seats: unknown }
  }
  return null
}
