/**
 * Per-key coalescing of calls that can be served together: the first call for a key runs at once (never
 * a timer); calls that arrive while it runs wait and go together in the next run (up to `max`). Under a
 * rush one run serves everyone who arrived during the last one; alone, a call costs what it always did.
 *
 * A run answers each item with a value or an error of its own. A run that throws fails the calls it
 * carried; when `failWaiting(error)` says so, it also fails the calls waiting behind it (a dependency
 * that just failed to answer would only make each of them wait to learn the same).
 */
export type Outcome<O> = { ok: true; value: O } | { ok: false; error: unknown }

export interface CoalescerOptions {
  /** Most items in one run (default 100). */
  max?: number
  /** True when an error thrown by a run should also fail the items waiting behind it. */
  failWaiting?: (error: unknown) => boolean
}

interface Waiting<I, O> {
  item: I
  resolve: (o: O) => void
  reject: (e: unknown) => void
}

export class Coalescer<I, O> {
  private readonly queues = new Map<string, Waiting<I, O>[]>()
  private readonly max: number
  private readonly failWaiting: (error: unknown) => boolean

  constructor(
    /** Serves the items of one key: an outcome per item, in order. */
    private readonly run: (key: string, items: I[]) => Promise<Outcome<O>[]>,
    options: CoalescerOptions = {},
  ) {
    this.max = Math.max(1, options.max ?? 100)
    this.failWaiting = options.failWaiting ?? (() => false)
  }

  submit(key: string, item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      const waiting = this.queues.get(key)
      if (waiting !== undefined) {
        waiting.push({ item, resolve, reject })
        return
      }
      this.queues.set(key, [])
      void this.drain(key, [{ item, resolve, reject }])
    })
  }

  /** Runs for one key until nobody is waiting. Never rejects. */
  private async drain(key: string, first: Waiting<I, O>[]): Promise<void> {
    let batch = first
    for (;;) {
      const waiting = this.queues.get(key) as Waiting<I, O>[]
      try {
        const out = await this.run(
          key,
          batch.map((b) => b.item),
        )
        batch.forEach((b, i) => {
          const o = out[i] as Outcome<O>
          if (o.ok) b.resolve(o.value)
          else b.reject(o.error)
        })
      } catch (error) {
        for (const b of batch) b.reject(error)
        if (this.failWaiting(error)) for (const b of waiting.splice(0)) b.reject(error)
      }
      if (waiting.length === 0) {
        this.queues.delete(key)
        return
      }
      batch = waiting.splice(0, this.max)
    }
  }
}

/** Every item answered with the same kind of value (runs that succeed or fail as a whole). */
export function allOk<O>(values: O[]): Outcome<O>[] {
  return values.map((value) => ({ ok: true, value }))
}
