/**
 * Hold creates answered 503 because Redis did not answer in time may still run when Redis resumes: a
 * hold nobody has the token for would then keep its seats for its whole TTL. Each such create is undone
 * here (HoldStore.abandon: release it if it ran, else leave a tombstone it will not run over), retried
 * until Redis answers. Creates with an Idempotency-Key are not undone: the client's retry with the same
 * key is answered with that hold, as the key promises.
 *
 * In memory: if this process dies before Redis answers, the hold expires with its TTL.
 */
import type { HoldStore } from '../redis/hold-store.js'

const RETRY_MS = 250

interface Abandoned {
  eventId: string
  holdId: string
  /** After this the hold has expired by itself, whatever happened. */
  giveUpAt: number
}

export class AbandonedCreates {
  private readonly pending = new Map<string, Abandoned>()
  private timer: NodeJS.Timeout | undefined
  private running = false
  private closed = false

  constructor(
    private readonly store: Pick<HoldStore, 'abandon'>,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  /** Undo the create of this hold, now or as soon as Redis answers, until `lifetimeMs` from now. */
  abandon(eventId: string, holdId: string, lifetimeMs: number): void {
    if (this.closed) return
    this.pending.set(`${eventId}\u0000${holdId}`, { eventId, holdId, giveUpAt: Date.now() + lifetimeMs })
    void this.drain()
  }

  /** Creates not undone yet. */
  get size(): number {
    return this.pending.size
  }

  private async drain(): Promise<void> {
    if (this.running) return
    this.running = true
    try {
      for (const [key, item] of this.pending) {
        if (this.closed) return
        if (Date.now() > item.giveUpAt) {
          this.pending.delete(key)
          continue
        }
        try {
          await this.store.abandon(item.eventId, item.holdId)
          this.pending.delete(key)
        } catch (error) {
          this.onError(error)
          break // Redis is still away: try everything again later
        }
      }
    } finally {
      this.running = false
      if (this.pending.size > 0 && !this.closed && this.timer === undefined) {
        this.timer = setTimeout(() => {
          this.timer = undefined
          void this.drain()
        }, RETRY_MS)
        this.timer.unref()
      }
    }
  }

  close(): void {
    this.closed = true
    clearTimeout(this.timer)
    this.timer = undefined
  }
}
