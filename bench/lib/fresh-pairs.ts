/**
 * Seated holds for a run that must not meet a sold seat: 2 seats no earlier hold took, one section after
 * another, and the run's stop when the last such pair is taken (a fast server sells 100,000 seats out in
 * under 10 s; past that point its holds would only be refused, and its rate capped by the section's size).
 */
import { performance } from 'node:perf_hooks'
import type { Request } from 'autocannon'
import type { KindTimer } from './load.js'
import { PairAllocator, SECTION_SIZE, holdStep, remember } from './requests.js'

/**
 * Seated holds of 2 seats no earlier hold took, one section after another; when the last pair is taken it aborts
 * `stop` and notes the time, so the run ends instead of looping on refusals (a wrapped pair meets sold seats).
 */
export function freshPairHolds(
  eventId: string,
  sections: readonly { id: string; seats: readonly string[] }[],
  timer: KindTimer,
  stop: AbortController,
): { request: Request; ranOutAt: () => number | undefined } {
  const size = sections.reduce((n, s) => Math.min(n, s.seats.length), SECTION_SIZE)
  const pairs = new PairAllocator(
    sections.map((s) => s.id),
    0,
    size - 1,
  )
  let taken = 0
  let ranOut: number | undefined
  const request = holdStep(
    eventId,
    () => {
      if (++taken === pairs.capacity) {
        ranOut = performance.now()
        stop.abort()
      }
      return pairs.take()
    },
    timer,
    remember,
  )
  return { request, ranOutAt: () => ranOut }
}
