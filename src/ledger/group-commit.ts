/**
 * Group commit for confirms. Every confirm of a section must write the section's count in the same
 * transaction as its reservation; done one confirm per transaction, that count row (PostgreSQL) or
 * document (MongoDB) is the hot spot of an on-sale: each confirm waits for the previous one's lock and
 * WAL flush, or aborts it with a write conflict.
 *
 * Here confirms of one event queue per process. A confirm that finds no transaction in flight for its
 * event starts one at once (never a timer); confirms that arrive while it runs wait, and the moment it
 * ends they all go together in the next transaction (up to maxBatch). Throughput then grows with the
 * rush instead of collapsing under it: a commit serves as many buyers as arrived during the last one.
 *
 * A batch is all or nothing in the ledger. When the ledger refuses it (one hold's seat is sold, the
 * count is short, an input is invalid) the batch's confirms are settled one by one with confirm(), so
 * one refused confirm never fails the others. When the ledger is unreachable every confirm of the batch,
 * and every confirm queued behind it, gets that error at once: each would only wait for its own timeout to
 * learn the same.
 */
import type { ConfirmInput, ConfirmResult, Ledger } from './port.js'
import { LedgerUnavailableError } from './port.js'

/** How a ledger transaction of the group commit ended, for the metrics. */
export type BatchOutcome = 'single' | 'batch' | 'refused' | 'unavailable'

export interface GroupCommitOptions {
  /** Most confirms in one transaction (default 100). */
  maxBatch?: number
  /** Told of every transaction: how many confirms it carried and how it ended. */
  onTransaction?: (size: number, outcome: BatchOutcome) => void
}

interface Pending {
  input: ConfirmInput
  resolve: (result: ConfirmResult) => void
  reject: (error: unknown) => void
}

export const DEFAULT_MAX_BATCH = 100

export class GroupCommit {
  /** Confirms waiting per event; an event is present while a transaction for it is in flight. */
  private readonly queues = new Map<string, Pending[]>()
  private readonly maxBatch: number
  private readonly onTransaction: (size: number, outcome: BatchOutcome) => void

  constructor(
    private readonly ledger: Ledger,
    options: GroupCommitOptions = {},
  ) {
    this.maxBatch = Math.max(1, options.maxBatch ?? DEFAULT_MAX_BATCH)
    this.onTransaction = options.onTransaction ?? (() => undefined)
  }

  /** Same contract as Ledger.confirm: resolves once the reservation is committed. */
  confirm(input: ConfirmInput): Promise<ConfirmResult> {
    return new Promise<ConfirmResult>((resolve, reject) => {
      const pending: Pending = { input, resolve, reject }
      const queue = this.queues.get(input.eventId)
      if (queue !== undefined) {
        queue.push(pending)
        return
      }
      this.queues.set(input.eventId, [])
      void this.drain(input.eventId, [pending])
    })
  }

  /** Runs transactions for one event until nobody is waiting. Never rejects. */
  private async drain(eventId: string, first: Pending[]): Promise<void> {
    let batch = first
    for (;;) {
      const unavailable = await this.run(batch)
      const queue = this.queues.get(eventId) as Pending[]
      // The ledger just failed to answer: the confirms that queued meanwhile would only wait for their
      // own timeout to learn the same. They get the 503 now (fail fast), and may retry.
      if (unavailable !== undefined) for (const p of queue.splice(0)) p.reject(unavailable)
      if (queue.length === 0) {
        this.queues.delete(eventId)
        return
      }
      batch = queue.splice(0, this.maxBatch)
    }
  }

  /** One transaction (or a refused batch settled one by one); returns the error when the ledger was unreachable. */
  private async run(batch: Pending[]): Promise<LedgerUnavailableError | undefined> {
    if (batch.length === 1) {
      const [only] = batch as [Pending]
      try {
        const result = await this.ledger.confirm(only.input)
        this.onTransaction(1, 'single')
        only.resolve(result)
      } catch (error) {
        const unavailable = error instanceof LedgerUnavailableError
        this.onTransaction(1, unavailable ? 'unavailable' : 'single')
        only.reject(error)
        if (unavailable) return error
      }
      return undefined
    }
    let results: ConfirmResult[]
    try {
      results = await this.ledger.confirmBatch(batch.map((p) => p.input))
    } catch (error) {
      if (error instanceof LedgerUnavailableError) {
        this.onTransaction(batch.length, 'unavailable')
        for (const p of batch) p.reject(error)
        return error
      }
      this.onTransaction(batch.length, 'refused')
      // In arrival order: the first buyers of a short GA section are the ones served.
      for (const p of batch) await this.settle(p)
      return undefined
    }
    this.onTransaction(batch.length, 'batch')
    batch.forEach((p, i) => p.resolve(results[i] as ConfirmResult))
    return undefined
  }

  private async settle(p: Pending): Promise<void> {
    try {
      p.resolve(await this.ledger.confirm(p.input))
    } catch (error) {
      p.reject(error)
    }
  }
}
