/** Adapter-neutral helpers both ledger adapters share (batch planning, cursors, page sizes). Pure, no I/O. */
import { BatchRefusedError, InvalidCursorError } from './port.js'
import type { ConfirmInput, ConfirmResult, ReservationPage } from './port.js'
import { planConfirm } from '../domain/confirm-plan.js'
import type { ConfirmPlan, SectionUnits } from '../domain/confirm-plan.js'
import { isoInput } from '../domain/iso-time.js'
import type { Reservation } from '../domain/reservation.js'
import { compareStrings } from '../lib/compare.js'

export const MAX_PAGE = 1000

/**
 * Ledger connections each adapter opens at start and keeps however idle: the confirms of an event (one
 * transaction at a time, grouped), the reconciler, a job and a read each find one open. A connection made
 * in the middle of a rush costs several round trips, each of which waits for the busy event loop.
 */
export const WARM_CONNECTIONS = 4

/** Opaque keyset cursor: base64url of [createdAt, id] of the last item of a page. */
export function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id]), 'utf8').toString('base64url')
}

/** Throws InvalidCursorError for anything encodeCursor did not produce. */
export function decodeCursor(cursor: string): { createdAt: string; id: string } {
  if (/^[A-Za-z0-9_-]{1,2000}$/.test(cursor)) {
    try {
      const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
      if (Array.isArray(value) && value.length === 2) {
        const [createdAt, id] = value as unknown[]
        if (
          typeof createdAt === 'string' &&
          typeof id === 'string' &&
          id.length > 0 &&
          /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(createdAt) &&
          !Number.isNaN(Date.parse(createdAt))
        ) {
          return { createdAt, id }
        }
      }
    } catch {
      // not JSON: invalid below
    }
  }
  throw new InvalidCursorError('invalid cursor')
}

/** Page size for listReservations: a positive integer, capped at MAX_PAGE. */
export function pageSize(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`limit must be a positive integer, got ${limit}`)
  return Math.min(limit, MAX_PAGE)
}

/** The URL with any password replaced by ***, safe to log. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password !== '') {
      parsed.password = '***'
      return parsed.toString()
    }
    return url
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@')
  }
}

/** A page from up to size + 1 reservations fetched newest first: the extra one only says another page exists. */
export function pageFrom(fetched: Reservation[], size: number): ReservationPage {
  const items = fetched.slice(0, size)
  const last = items[items.length - 1]
  return {
    items,
    nextCursor: fetched.length > size && last !== undefined ? encodeCursor(last.createdAt, last.id) : null,
  }
}

/** One hold of a group commit: its first input (the one written) and every input index that names it. */
export interface BatchHold {
  input: ConfirmInput
  plan: ConfirmPlan
  /** The input's createdAt, checked and in the ledger's form (ISO 8601 UTC with milliseconds). */
  createdAt: string
  indexes: number[]
}

/**
 * Groups a batch's inputs by hold (sorted by hold id, so concurrent batches insert in one order) and
 * checks what can be checked without the ledger. Anything one input gets wrong refuses the whole batch
 * (BatchRefusedError): confirm() of that input alone then reports it exactly.
 */
export function planBatch(inputs: ConfirmInput[]): BatchHold[] {
  const eventId = inputs[0]?.eventId
  const byHold = new Map<string, BatchHold>()
  const reservationIds = new Map<string, string>()
  inputs.forEach((input, index) => {
    if (input.eventId !== eventId) throw new BatchRefusedError('a batch spans more than one event')
    const known = byHold.get(input.holdId)
    if (known !== undefined) {
      known.indexes.push(index)
      return
    }
    let plan: ConfirmPlan
    let createdAt: string
    try {
      plan = planConfirm(input.items)
      createdAt = isoInput(input.createdAt, 'createdAt')
    } catch (err) {
      throw new BatchRefusedError('a batch input is invalid', { cause: err })
    }
    if (!Number.isSafeInteger(input.amount) || input.amount < 0)
      throw new BatchRefusedError('a batch input has an invalid amount')
    if (reservationIds.has(input.reservationId))
      throw new BatchRefusedError('two holds of a batch share a reservation id')
    reservationIds.set(input.reservationId, input.holdId)
    byHold.set(input.holdId, { input, plan, createdAt, indexes: [index] })
  })
  return [...byHold.values()].sort((a, b) => compareStrings(a.input.holdId, b.input.holdId))
}

/** What the holds a batch writes sell together: seats sorted for lock order, units summed per section. */
export function mergeBatch(holds: BatchHold[]): {
  seats: { section: string; seat: string; reservationId: string }[]
  sections: SectionUnits[]
} {
  refuseConflicts(holds)
  const seats: { section: string; seat: string; reservationId: string }[] = []
  const units = new Map<string, SectionUnits>()
  for (const { input, plan } of holds) {
    // Literals, not spreads: a spread copies through a generic path, and a batch copies every seat.
    for (const s of plan.seats)
      seats.push({ section: s.section, seat: s.seat, reservationId: input.reservationId })
    for (const s of plan.sections) {
      const entry = units.get(s.section)
      if (entry === undefined) units.set(s.section, { section: s.section, kind: s.kind, units: s.units })
      else entry.units += s.units
    }
  }
  seats.sort((a, b) => compareStrings(a.section, b.section) || compareStrings(a.seat, b.seat))
  const sections = [...units.values()].sort((a, b) => compareStrings(a.section, b.section))
  return { seats, sections }
}

/**
 * What no batch may hold, whatever the ledger says: a section sold by seat in one hold and by quantity in
 * another, or one seat named by two holds (each hold's own items were checked by planConfirm).
 */
export function refuseConflicts(holds: BatchHold[]): void {
  const kinds = new Map<string, SectionUnits['kind']>()
  const seats = new Set<string>()
  for (const { plan } of holds) {
    for (const s of plan.sections) {
      const kind = kinds.get(s.section)
      if (kind === undefined) kinds.set(s.section, s.kind)
      else if (kind !== s.kind) throw new BatchRefusedError(`section ${s.section} mixes seats and quantity`)
    }
    for (const s of plan.seats) {
      const key = `${s.section}\u0000${s.seat}`
      if (seats.has(key)) throw new BatchRefusedError(`two holds of a batch name seat ${s.section}/${s.seat}`)
      seats.add(key)
    }
  }
}

/** The batch's answers in input order, from the row that now holds each hold's slot. */
export function batchResults(
  holds: BatchHold[],
  size: number,
  slot: (hold: BatchHold) => { reservation: Reservation; created: boolean },
): ConfirmResult[] {
  const results = new Array<ConfirmResult>(size)
  for (const hold of holds) {
    const { reservation, created } = slot(hold)
    hold.indexes.forEach((index, n) => {
      // Only the first input of a hold can have created its reservation; the others are repeats.
      results[index] = { reservation, created: created && n === 0 }
    })
  }
  return results
}
