/**
 * Group commit for confirms. Every confirm of a section must write the section's count in the same
 * transaction as its reservation; done one confirm per transaction, that count row (PostgreSQL) or
 * document (MongoDB) is the hot spot of an on-sale: each confirm waits for the previous one's lock and
 * WAL flush, or aborts it with a write conflict.
 *
 * Here confirms of one event queue per process. A confirm that finds no transaction in flight for its
 * event starts one on process.nextTick (never a timer), with every confirm of the same microtask pass (the
 * pins one read of Redis replies answered); confirms that arrive while it runs wait, and the moment it
 * ends they all go together in the next transaction (up to maxBatch). Throughput then grows with the
 * rush instead of collapsing under it: a commit serves as many buyers as arrived during the last one.
 *
 * A batch is all or nothing in the ledger. When the ledger refuses it (one hold's seat is sold, the
 * count is short, an input is invalid) the batch's confirms are settled one by one with confirm(), so
 * one refused confirm never fails the others. When the ledger is unreachable every confirm of the batch,
 * and every confirm queued behind it, gets that error at once: each would only wait for its own timeout to
 * learn the same.
 */
import { allOk, Coalescer } from '../lib/coalesce.js'
import type { Outcome } from '../lib/coalesce.js'
import type { ConfirmInput, ConfirmResult, Ledger } from './port.js'
import { LedgerUnavailableError } from './port.js'

/** How a ledger transaction of the group commit ended, for the metrics. */
export type BatchOutcome = 'single' | 'batch' | 'refused' | 'unavailable'

export interface GroupCommitOptions {
  /** Most confirms in one transaction (default 100). */
  maxBatch?: number
  /** Transactions in flight at once per event (default DEFAULT_CONCURRENCY). */
  concurrency?: number
  /** Told of every transaction: how many confirms it carried and how it ended. */
  onTransaction?: (size: number, outcome: BatchOutcome) => void
}

export const DEFAULT_MAX_BATCH = 100
/**
 * Transactions in flight per event. One: with the batch a single round trip (PostgreSQL), a second batch in
 * flight measured no better in the hot-section bench (it only waits on the section's count row).
 */
export const DEFAULT_CONCURRENCY = 1

export class GroupCommit {
  /** Confirms queue per event; the queueing itself is the shared Coalescer's. */
  private readonly confirms: Coalescer<ConfirmInput, ConfirmResult>
  private readonly onTransaction: (size: number, outcome: BatchOutcome) => void

  constructor(
    private readonly ledger: Ledger,
    options: GroupCommitOptions = {},
  ) {
    this.onTransaction = options.onTransaction ?? (() => undefined)
    this.confirms = new Coalescer((_eventId, inputs) => this.run(inputs), {
      max: options.maxBatch ?? DEFAULT_MAX_BATCH,
      concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
      // The ledger just failed to answer: the confirms that queued meanwhile would only wait for their
      // own timeout to learn the same. They get the 503 now (fail fast), and may retry.
      failWaiting: (error) => error instanceof LedgerUnavailableError,
    })
  }

  /** Same contract as Ledger.confirm: resolves once the reservation is committed. */
  confirm(input: ConfirmInput): Promise<ConfirmResult> {
    return this.confirms.submit(input.eventId, input)
  }

  /**
   * One transaction (or a refused batch settled one by one). Throws LedgerUnavailableError when the
   * ledger could not be reached, which fails the batch and the confirms queued behind it.
   */
  private async run(inputs: ConfirmInput[]): Promise<Outcome<ConfirmResult>[]> {
    if (inputs.length === 1) {
      const outcome = await this.settle(inputs[0] as ConfirmInput)
      const unavailable = !outcome.ok && outcome.error instanceof LedgerUnavailableError
      this.onTransaction(1, unavailable ? 'unavailable' : 'single')
      if (unavailable) throw outcome.error
      return [outcome]
    }
    let results: ConfirmResult[]
    try {
      results = await this.ledger.confirmBatch(inputs)
    } catch (error) {
      if (error instanceof LedgerUnavailableError) {
        this.onTransaction(inputs.length, 'unavailable')
        throw error
      }
      this.onTransaction(inputs.length, 'refused')
      // In arrival order: the first buyers of a short GA section are the ones served.
      const outcomes: Outcome<ConfirmResult>[] = []
      for (const input of inputs) outcomes.push(await this.settle(input))
      return outcomes
    }
    this.onTransaction(inputs.length, 'batch')
    return allOk(results)
  }

  private async settle(input: ConfirmInput): Promise<Outcome<ConfirmResult>> {
    try {
      return { ok: true, value: await this.ledger.confirm(input) }
    } catch (error) {
      return { ok: false, error }
    }
  }
}
