/**
 * Best available: how a section given as rows is laid out for picking blocks of adjacent seats in Redis,
 * and the rules of a pick that are domain facts. Pure: no store, no HTTP.
 *
 * Each row gets a byte-aligned range of bits in the section's occupancy bitmap (a row is read with one
 * GETRANGE whatever the section's size) and a rank: rows in the order the layout gives them (front
 * first); within a row the block nearest the centre wins (lua/includes/best-available.lua, bestBlock).
 */
import type { ExpandedRows } from './venue-layout.js'

/** Where a seat sits: its row (index in layout order) and its offset in that row. */
export type Place = readonly [row: number, offset: number]

export interface RowSeating {
  /** The row's name (labels are `${name}-${seat}`) and its seats in adjacency order. */
  name: string
  seats: string[]
  /** First bit of the row in the section's bitmap (a multiple of 8). */
  at: number
  /** Lower ranks are picked first. */
  rank: number
  /**
   * One character per seat when the row has wheelchair spaces or companion seats: "w" a wheelchair space,
   * "c" a companion seat, "." neither (accessible picks read it); absent otherwise.
   */
  kinds?: string
}

export interface SectionSeating {
  rows: RowSeating[]
  places: Map<string, Place>
}

/**
 * Run-length classes kept per row: a request for up to this many seats together is answered from the
 * index; the last class also holds every longer run. Lua reads it as SEATING.classes.
 */
export const RUN_CLASSES = 15

/** Ranks are below this (rows in a section are at most MAX_SECTION_SEATS); Lua reads SEATING.rankSpan. */
export const RANK_SPAN = 1 << 20

/** What a pick may leave behind: lone seats are free runs of one seat between taken seats or a row's edge. */
export type LoneSeatRule = 'strict' | 'soft' | 'off'

export const LONE_SEAT_RULES: readonly LoneSeatRule[] = ['strict', 'soft', 'off']

/** An event without a rule of its own avoids lone seats when it can. */
export const DEFAULT_LONE_SEAT_RULE: LoneSeatRule = 'soft'

export function sectionSeating(layout: ExpandedRows): SectionSeating {
  const rows: RowSeating[] = []
  const places = new Map<string, Place>()
  const kindAt = new Map<number, string>([
    ...layout.accessible.map((p): [number, string] => [p, 'w']),
    ...layout.companions.map((p): [number, string] => [p, 'c']),
  ])
  let at = 0
  let first = 0
  layout.rowNames.forEach((name, row) => {
    const length = layout.rowLengths[row] ?? 0
    const labels = layout.labels.slice(first, first + length)
    // A label is `${row}-${seat}`: the seat's own name follows the row's name and its dash.
    const seats = labels.map((label) => label.slice(name.length + 1))
    labels.forEach((label, offset) => places.set(label, [row, offset]))
    const kinds = labels.map((_, offset) => kindAt.get(first + offset) ?? '.').join('')
    rows.push({ name, seats, at, rank: row, ...(/[wc]/.test(kinds) ? { kinds } : {}) })
    at += Math.ceil(length / 8) * 8
    first += length
  })
  return { rows, places }
}

/** The seats of `length` that a pick of `quantity` together leaves as lone seats, or false when none. */
export function leavesLoneSeat(runLength: number, left: number, quantity: number): boolean {
  const right = runLength - quantity - left
  return left === 1 || right === 1
}
