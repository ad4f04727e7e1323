/**
 * The compact seat map of a seated section: one character per seat in layout order, so a 100,000-seat
 * venue fits in about 100 KB and a live map can poll it; counts per section and per row come from the
 * same characters, so they always agree with them.
 */
import type { ExpandedRows } from './venue-layout.js'

export type SeatStatus = 'available' | 'held' | 'sold' | 'blocked'

/** The character of each status; a client treats any other character as not available. */
export const STATUS_CHARS: Readonly<Record<SeatStatus, string>> = {
  available: 'a',
  held: 'h',
  sold: 's',
  blocked: 'b',
}

export interface StatusCounts {
  available: number
  held: number
  sold: number
  /** Held back by an admin's block (see domain/seat-block.ts). */
  blocked: number
}

/** Counts per row as parallel arrays (row i: names[i], seats[i], ...): a few bytes a row on the wire. */
export interface RowCounts {
  names: string[]
  seats: number[]
  available: number[]
  held: number[]
  sold: number[]
  blocked: number[]
}

export interface SectionSeatMap extends StatusCounts {
  id: string
  capacity: number
  status: string
  /** Positions in `status` of wheelchair spaces and of their companion seats. */
  accessible: number[]
  companions: number[]
  /** Present when the section was given as rows. */
  rows?: RowCounts
}

type Layout = Pick<ExpandedRows, 'rowNames' | 'rowLengths' | 'accessible' | 'companions'>

export function sectionSeatMap(id: string, statuses: readonly SeatStatus[], layout?: Layout): SectionSeatMap {
  const chars = new Array<string>(statuses.length)
  const total: StatusCounts = { available: 0, held: 0, sold: 0, blocked: 0 }
  statuses.forEach((status, i) => {
    chars[i] = STATUS_CHARS[status]
    total[status]++
  })
  const map: SectionSeatMap = {
    id,
    capacity: statuses.length,
    ...total,
    status: chars.join(''),
    accessible: layout?.accessible ?? [],
    companions: layout?.companions ?? [],
  }
  if (layout !== undefined) map.rows = rowCounts(statuses, layout)
  return map
}

function rowCounts(statuses: readonly SeatStatus[], layout: Layout): RowCounts {
  const rows: RowCounts = {
    names: layout.rowNames,
    seats: layout.rowLengths,
    available: [],
    held: [],
    sold: [],
    blocked: [],
  }
  let position = 0
  for (const length of layout.rowLengths) {
    const row: StatusCounts = { available: 0, held: 0, sold: 0, blocked: 0 }
    for (const end = position + length; position < end; position++) row[statuses[position] as SeatStatus]++
    rows.available.push(row.available)
    rows.held.push(row.held)
    rows.sold.push(row.sold)
    rows.blocked.push(row.blocked)
  }
  return rows
}
