/**
 * A seated section written as rows: how a row's seats are written (ranges or a list), how they become the
 * seat labels used everywhere else ("<row>-<seat>", e.g. "A-12"), and the per-seat facts a row carries
 * (wheelchair spaces, their companion seats, price categories). Pure: no store, no HTTP.
 */

/**
 * Seats of one row: a list of seat numbers in row order, or a string of comma-separated parts, each a seat
 * ("12", "12A") or an inclusive range of whole numbers ("1-50"; "50-1" runs backwards; "01-12" keeps the
 * zeros). List entries are taken literally, so a seat whose name has a "-" is written in a list.
 */
export type SeatList = string | string[]

export interface SeatRow {
  /** The row's name; a seat's label is `${row}-${seat}`. */
  row: string
  /** The row's seats in adjacency order (neighbours in the list sit next to each other). */
  seats: SeatList
  /** Wheelchair spaces among the row's seats. */
  accessible?: SeatList
  /** Companion seats (next to a wheelchair space) among the row's seats. */
  companions?: SeatList
  /** Price category of every seat of the row, unless seatCategories names another for a seat. */
  category?: string
  /** Price category per seat: category id → seats of this row. */
  seatCategories?: Record<string, SeatList>
}

/** The most seats one section may have (the contract's bound on a seated section). */
export const MAX_SECTION_SEATS = 100_000

/** What a section's rows expand to: labels in layout order and the per-seat facts, by position. */
export interface ExpandedRows {
  /** Seat labels, row after row, each row in its own order. */
  labels: string[]
  /** Row names and how many seats each has, in the order given. */
  rowNames: string[]
  rowLengths: number[]
  /** Positions (indexes into labels) of wheelchair spaces and of companion seats, ascending. */
  accessible: number[]
  companions: number[]
  /** Price category of each seat that has one, by label. */
  categories: Map<string, string>
}

/** A layout that cannot be built; `row` and `seat` say where, when known. */
export class LayoutError extends Error {
  override name = 'LayoutError'
  constructor(
    message: string,
    readonly row?: string,
    readonly seat?: string,
  ) {
    super(message)
  }
}

class TooManySeats extends LayoutError {}

const RANGE = /^(\d{1,6})-(\d{1,6})$/
const SEAT = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/
/** Labels become part of Redis keys and URLs: the contract's identifier rule. */
const LABEL = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

export function seatLabel(row: string, seat: string): string {
  return `${row}-${seat}`
}

/** The seats a SeatList names, in order; at most `limit` of them (a range is counted before it is expanded). */
export function expandSeatList(list: SeatList, limit = MAX_SECTION_SEATS): string[] {
  const literal = Array.isArray(list)
  const parts = literal ? list : list.split(',').map((part) => part.trim())
  const seats: string[] = []
  for (const part of parts) {
    const range = literal ? null : RANGE.exec(part)
    if (range) {
      const [, first = '', last = ''] = range
      const from = Number(first)
      const to = Number(last)
      const step = from <= to ? 1 : -1
      if (seats.length + Math.abs(to - from) + 1 > limit)
        throw new TooManySeats(`more than ${limit} seats`, undefined, part)
      // "01-12" keeps its zeros: 01, 02, ... 12.
      const width = /^0\d/.test(first) || /^0\d/.test(last) ? Math.max(first.length, last.length) : 0
      for (let n = from; n !== to + step; n += step) seats.push(String(n).padStart(width, '0'))
      continue
    }
    // "A1-A5" reads like a range but is none: refused rather than taken as one seat called "A1-A5".
    if (!literal && part.includes('-'))
      throw new LayoutError(
        `"${part}" is not a range of whole numbers (list a seat named with "-")`,
        undefined,
        part,
      )
    if (!SEAT.test(part))
      throw new LayoutError(`"${part}" is not a seat or a range of seats`, undefined, part)
    if (seats.length + 1 > limit) throw new TooManySeats(`more than ${limit} seats`, undefined, part)
    seats.push(part)
  }
  return seats
}

function positionsIn(
  row: string,
  list: SeatList | undefined,
  where: Map<string, number>,
  what: string,
): number[] {
  if (list === undefined) return []
  return expandSeatList(list).map((seat) => {
    const position = where.get(seat)
    if (position === undefined) throw new LayoutError(`${what} seat ${seat} is not in row ${row}`, row, seat)
    return position
  })
}

/**
 * Expands a section's rows. `knownCategories` is the event's category ids: a row naming another is
 * refused. Repeated rows, repeated labels, a wheelchair space that is also a companion seat, a seat with
 * two categories and more than MAX_SECTION_SEATS seats are refused too.
 */
export function expandRows(rows: readonly SeatRow[], knownCategories: ReadonlySet<string>): ExpandedRows {
  const out: ExpandedRows = {
    labels: [],
    rowNames: [],
    rowLengths: [],
    accessible: [],
    companions: [],
    categories: new Map(),
  }
  const rowNames = new Set<string>()
  const labels = new Set<string>()
  const kind = new Map<number, 'accessible' | 'companion'>()
  for (const row of rows) {
    if (rowNames.has(row.row)) throw new LayoutError(`row ${row.row} is given twice`, row.row)
    rowNames.add(row.row)
    let seats: string[]
    try {
      seats = expandSeatList(row.seats, MAX_SECTION_SEATS - out.labels.length)
    } catch (err) {
      if (err instanceof TooManySeats)
        throw new LayoutError(`the section has more than ${MAX_SECTION_SEATS} seats`, row.row)
      if (err instanceof LayoutError)
        throw new LayoutError(`row ${row.row}: ${err.message}`, row.row, err.seat)
      throw err
    }
    if (seats.length === 0) throw new LayoutError(`row ${row.row} has no seats`, row.row)
    const where = new Map<string, number>()
    const first = out.labels.length
    for (const seat of seats) {
      const label = seatLabel(row.row, seat)
      if (!LABEL.test(label))
        throw new LayoutError(`seat label ${label} is not a valid identifier`, row.row, seat)
      if (labels.has(label)) throw new LayoutError(`seat ${label} is given twice`, row.row, seat)
      labels.add(label)
      where.set(seat, out.labels.length)
      out.labels.push(label)
    }
    out.rowNames.push(row.row)
    out.rowLengths.push(seats.length)

    for (const [list, what] of [
      [row.accessible, 'accessible'],
      [row.companions, 'companion'],
    ] as const) {
      for (const position of positionsIn(row.row, list, where, what)) {
        const seat = seats[position - first] as string
        if (kind.has(position))
          throw new LayoutError(`seat ${seat} is listed twice as accessible or companion`, row.row, seat)
        kind.set(position, what)
      }
    }

    if (row.category !== undefined) {
      if (!knownCategories.has(row.category))
        throw new LayoutError(`row ${row.row} names unknown category ${row.category}`, row.row)
      for (const label of out.labels.slice(first)) out.categories.set(label, row.category)
    }
    const named = new Set<number>()
    for (const [category, list] of Object.entries(row.seatCategories ?? {})) {
      if (!knownCategories.has(category))
        throw new LayoutError(`row ${row.row} names unknown category ${category}`, row.row)
      for (const position of positionsIn(row.row, list, where, `category ${category}`)) {
        const label = out.labels[position] as string
        if (named.has(position)) throw new LayoutError(`seat ${label} is given two categories`, row.row)
        named.add(position)
        out.categories.set(label, category)
      }
    }
  }
  for (const [position, what] of [...kind.entries()].sort((a, b) => a[0] - b[0])) {
    if (what === 'accessible') out.accessible.push(position)
    else out.companions.push(position)
  }
  return out
}
