import type { Ledger } from '../ledger/port.js'
import type { HealPlan, HealResult, HoldStore } from '../redis/hold-store.js'
import { seatingOf } from '../domain/loaded-event.js'
import { isSoldValue, soldTo } from '../redis/keys.js'
import type { EventService } from '../services/events.js'

/** Seat fixes per heal script call, so one call stays short whatever drifted. */
export const HEAL_PAGE = 500

export interface DriftReport {
  /** Seat keys set to the ledger's owner or freed. */
  seats: number
  /** Section sold counts set to the ledger's. */
  counts: number
  /**
   * Something could not be healed in this pass: Redis's sold state changed while it was being compared
   * (a finalise or return landed), or a GA section had a confirm or a cancel in flight. The next pass
   * compares again.
   */
  retry: boolean
}

type SeatFix = [string, string, string]

/** Sections remembered as differing during a rush, at most (see maybeDrift). */
const MAX_SEEN = 10_000

/**
 * Brings Redis's sold state back to the ledger's, per event: sold seat keys (which reservation owns each)
 * and sold counts. Race-free against confirms and cancels in flight:
 * 1. read Redis's sale version and sold counts (one round trip);
 * 2. read the ledger's sold counts (and, for seated sections whose count differs, or on a slower
 *    cadence, the owner of every sold seat and the seat keys, in pages);
 * 3. heal in one script per page, which applies only if the sale version is unchanged since step 1 (every
 *    script that changes sold state bumps it), leaves seats a hold names alone, and leaves a GA count alone
 *    while a hold of that section is pinned or a cancel is in flight (lua/healSold-4.lua).
 * A pass that finds no difference costs one Redis round trip and one small ledger query.
 *
 * Comparing a seated section seat by seat reads every seat key and every sold seat of the ledger (100,000
 * of each in a stadium section), so it is done only when the difference can be drift: at once when no
 * hold of the event is being confirmed, and during a rush (holds confirming, so the ledger is ahead of
 * Redis by the sales in flight) only once the same difference is seen on two passes in a row, i.e. nothing
 * moved for a whole pass. A rush therefore costs a count comparison per pass, not a scan per pass.
 */
export class DriftReconciler {
  /** Per event and seated section whose counts differ during a rush: the counts last seen ("ledger:redis"). */
  private readonly seen = new Map<string, string>()

  constructor(
    private readonly store: HoldStore,
    private readonly ledger: Ledger,
    private readonly events: Pick<EventService, 'get'>,
  ) {}

  /**
   * Whether a seated section's count difference is worth a seat-by-seat comparison: always when nothing
   * of the event is being confirmed; during a rush only when the same counts were seen on the last pass.
   */
  private maybeDrift(key: string, ledger: number, here: number, confirming: number) {
    if (confirming === 0) return true
    const counts = `${ledger}:${here}`
    const settled = this.seen.get(key) === counts
    // Bounded: sections differing during a rush, across the events visited (cleared when they agree).
    if (!settled && this.seen.size >= MAX_SEEN) this.seen.clear()
    this.seen.set(key, counts)
    return settled
  }

  /** `everySeat`: compare every seated section seat by seat even where the counts agree. */
  async reconcile(eventId: string, everySeat = false): Promise<DriftReport> {
    const report: DriftReport = { seats: 0, counts: 0, retry: false }
    const snapshot = await this.store.saleSnapshot(eventId)
    if (snapshot === null) return report // not loaded: the next read rebuilds it from the ledger
    const event = await this.events.get(eventId)
    const ledgerCounts = await this.ledger.soldCounts(eventId)

    const ga: [string, number][] = []
    const seated: string[] = []
    for (const { id, sold } of ledgerCounts.sections) {
      const section = event.sections.get(id)
      if (section === undefined) continue
      const here = snapshot.sold.get(id) ?? 0
      const differs = here !== sold
      if (section.kind === 'ga') {
        if (differs) ga.push([id, sold])
      } else {
        const key = `${eventId}\u0000${id}`
        const compare = everySeat || (differs && this.maybeDrift(key, sold, here, snapshot.confirming))
        if (compare) seated.push(id)
        // Compared now, or agreeing: nothing to remember for the next pass.
        if (compare || !differs) this.seen.delete(key)
      }
    }
    if (ga.length === 0 && seated.length === 0) return report

    // Seat keys are read after the version (step 1) and before the ledger's owners (step 2).
    const seatFixes: SeatFix[] = []
    const soldKeys = new Map<string, number>()
    if (seated.length > 0) {
      const values = new Map<string, (string | null)[]>()
      for (const id of seated) {
        const labels = event.sections.get(id)?.seats ?? []
        values.set(id, await this.store.seatValues(eventId, id, labels))
      }
      const state = await this.ledger.soldState(eventId)
      for (const id of seated) {
        const labels = event.sections.get(id)?.seats ?? []
        const owners = new Map<string, string>()
        const sold = state.sections.find((s) => s.id === id)
        sold?.soldSeats.forEach((seat, i) => owners.set(seat, sold.soldBy[i] ?? ''))
        const redis = values.get(id) ?? []
        let count = 0
        labels.forEach((seat, i) => {
          const value = redis[i] ?? null
          const sale = isSoldValue(value)
          if (sale) count++
          const owner = owners.get(seat)
          if (owner === undefined) {
            if (sale) seatFixes.push([id, seat, ''])
          } else if (value === null || (sale && value !== soldTo(owner))) {
            seatFixes.push([id, seat, owner])
          }
        })
        soldKeys.set(id, count)
      }
    }

    let version = snapshot.version
    const deltas = new Map<string, number>()
    for (let at = 0; ; at += HEAL_PAGE) {
      const last = at + HEAL_PAGE >= seatFixes.length
      const plan: HealPlan = { seats: seatFixes.slice(at, at + HEAL_PAGE) }
      if (last) {
        plan.seatedCounts = [...soldKeys].map(([id, count]) => [id, count + (deltas.get(id) ?? 0)])
        plan.ga = ga
      }
      const result: HealResult = await this.store.healSold(eventId, version, plan, seatingOf(event))
      if (result.kind !== 'applied') {
        report.retry = true
        return report
      }
      report.seats += result.seats
      report.counts += result.counts
      if (result.waiting > 0) report.retry = true
      for (const [id, d] of result.deltas) deltas.set(id, (deltas.get(id) ?? 0) + d)
      version = result.version
      if (last) return report
    }
  }
}
