/** Request sequences for autocannon: holds of fresh seats or of general-admission units, hold → confirm, hold → release. */
import type { Request } from 'autocannon'
import { timedStep } from './load.js'
import type { KindTimer } from './load.js'

export const SECTION_SIZE = 100_000

export function seatLabels(count: number, from = 1): string[] {
  return Array.from({ length: count }, (_, i) => `s${from + i}`)
}

/** Equal sections of up to 100,000 seats, together at least `seats` seats. */
export function sectionsFor(seats: number): { id: string; seats: string[] }[] {
  const count = Math.max(1, Math.ceil(seats / SECTION_SIZE))
  return Array.from({ length: count }, (_, i) => ({
    id: `sec${i + 1}`,
    seats: seatLabels(Math.min(SECTION_SIZE, seats)),
  }))
}

/**
 * Hands out pairs of seats that no earlier pair used, across the sections, within seat numbers
 * [from, to) of each section; wraps around when all are used (then holds meet taken seats: counted as 409s).
 */
export class PairAllocator {
  private next = 0
  private readonly pairsPerSection: number

  constructor(
    private readonly sections: string[],
    private readonly from: number,
    to: number,
  ) {
    this.pairsPerSection = Math.floor((to - from) / 2)
  }

  get capacity(): number {
    return this.pairsPerSection * this.sections.length
  }

  take(): { section: string; seats: [string, string] } {
    const g = this.next++ % this.capacity
    const section = this.sections[Math.floor(g / this.pairsPerSection)] as string
    const first = this.from + 2 * (g % this.pairsPerSection) + 1
    return { section, seats: [`s${first}`, `s${first + 1}`] }
  }
}

let holderCounter = 0

/** A distinct holder per request (seatlock limits seats per holder). */
export function nextHolder(): string {
  return `fan${++holderCounter}`
}

export interface HoldWon {
  holdId: string
  token: string
}

export function holdBody(section: string, seats: string[]): string {
  return JSON.stringify({ holder: nextHolder(), items: [{ section, seats }] })
}

/** A hold of `quantity` units of a general-admission section. */
export function gaHoldBody(section: string, quantity: number): string {
  return JSON.stringify({ holder: nextHolder(), items: [{ section, quantity }] })
}

/** One hold of the next fresh pair of seats. */
export function holdStep(
  eventId: string,
  pick: () => { section: string; seats: string[] },
  timer: KindTimer,
  onWon?: (won: HoldWon, context: Record<string, unknown>) => void,
): Request {
  return holdStepWith(
    eventId,
    () => {
      const { section, seats } = pick()
      return holdBody(section, seats)
    },
    timer,
    onWon,
  )
}

/** One hold of `quantity` units of a general-admission section (every hold of a run in the same one). */
export function gaHoldStep(
  eventId: string,
  section: string,
  quantity: number,
  timer: KindTimer,
  onWon?: (won: HoldWon, context: Record<string, unknown>) => void,
): Request {
  return holdStepWith(eventId, () => gaHoldBody(section, quantity), timer, onWon)
}

function holdStepWith(
  eventId: string,
  body: () => string,
  timer: KindTimer,
  onWon?: (won: HoldWon, context: Record<string, unknown>) => void,
): Request {
  return timedStep(
    timer,
    (request) => ({
      ...request,
      method: 'POST',
      path: `/v1/events/${eventId}/holds`,
      headers: { 'content-type': 'application/json' },
      body: body(),
    }),
    (status, body, context) => {
      if (status !== 201 || !onWon) return
      const view = JSON.parse(body) as { id: string; token: string }
      onWon({ holdId: view.id, token: view.token }, context)
    },
  )
}

/** A step on the hold taken by the previous step of the sequence (skipped when that hold was refused). */
export function onHoldStep(
  eventId: string,
  method: 'POST' | 'DELETE',
  suffix: string,
  timer: KindTimer,
  onDone?: (status: number, context: Record<string, unknown>) => void,
): Request {
  return timedStep(
    timer,
    (request, context) => {
      const holdId = context.holdId
      const token = context.token
      if (typeof holdId !== 'string' || typeof token !== 'string') return null
      return {
        ...request,
        method,
        path: `/v1/events/${eventId}/holds/${holdId}${suffix}`,
        headers: { 'hold-token': token },
        body: '',
      }
    },
    (status, _body, context) => onDone?.(status, context),
  )
}

/** Stores the hold in the sequence's context for the next step. */
export function remember(won: HoldWon, context: Record<string, unknown>): void {
  context.holdId = won.holdId
  context.token = won.token
}

/**
 * One hold before any load: the server loads the event definition and registers its script once, as it
 * would long before a real rush, instead of 50 first requests doing it at the same time.
 */
export async function prime(url: string, eventId: string, section: string, seat: string): Promise<void> {
  await primeWith(url, eventId, holdBody(section, [seat]))
}

/** prime() for a general-admission section: one unit. */
export async function primeGa(url: string, eventId: string, section: string): Promise<void> {
  await primeWith(url, eventId, gaHoldBody(section, 1))
}

async function primeWith(url: string, eventId: string, body: string): Promise<void> {
  const response = await fetch(`${url}/v1/events/${eventId}/holds`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(30_000),
  })
  await response.arrayBuffer()
  if (response.status !== 201 && response.status !== 409) {
    throw new Error(`priming hold on ${eventId} answered ${response.status}`)
  }
}
