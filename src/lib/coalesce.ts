/**
 * Per-key coalescing of calls that can be served together. A call that finds no run in flight for its key
 * starts one on process.nextTick (never a timer), and that run carries every call made before the tick
 * runs: the calls of one microtask pass, such as the confirms one committed ledger batch releases, or the
 * requests one read of Redis replies answers, reach the next step together. Before, the first of them ran
 * alone and the rest waited a whole round trip behind it. Calls that arrive while a run is in flight wait
 * and go together in the next run (up to `max`). Under a rush one run serves everyone who arrived during
 * the last one; alone, a call costs what it always did.
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
  /**
   * Runs in flight at once per key (default 1). With 2, the next run prepares while the previous one
   * finishes (e.g. a batch's inserts while the one before it commits) instead of waiting for it.
   */
  concurrency?: number
}

interface Waiting<I, O> {
  item: I
  resolve: (o: O) => void
  reject: (e: unknown) => void
}

interface KeyState<I, O> {
  waiting: Waiting<I, O>[]
  running: number
  /** A run is about to start (at the end of this turn's microtasks) and takes every call made until then. */
  starting: boolean
}

export class Coalescer<I, O> {
  private readonly keys = new Map<string, KeyState<I, O>>()
  private readonly max: number
  private readonly concurrency: number
  private readonly failWaiting: (error: unknown) => boolean

  constructor(
    /** Serves the items of one key: an outcome per item, in order. */
    private readonly run: (key: string, items: I[]) => Promise<Outcome<O>[]>,
    options: CoalescerOptions = {},
  ) {
    this.max = Math.max(1, options.max ?? 100)
    this.concurrency = Math.max(1, options.concurrency ?? 1)
    this.failWaiting = options.failWaiting ?? (() => false)
  }

  submit(key: string, item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      let state = this.keys.get(key)
      if (state === undefined) {
        state = { waiting: [], running: 0, starting: false }
        this.keys.set(key, state)
      }
      state.waiting.push({ item, resolve, reject })
      if (!state.starting && state.running < this.concurrency) {
        state.starting = true
        state.running++
        const starting = state
        process.nextTick(() => this.start(key, starting))
      }
    })
  }

  /**
   * The pending start of a key: runs for what waits, as many as the concurrency allows. A slot reserved for
   * it may find nothing left, when a run that ended meanwhile took the calls (concurrency above 1).
   */
  private start(key: string, state: KeyState<I, O>): void {
    state.starting = false
    state.running--
    while (state.waiting.length > 0 && state.running < this.concurrency) {
      state.running++
      void this.drain(key, state, state.waiting.splice(0, this.max))
    }
    if (state.running === 0 && state.waiting.length === 0) this.keys.delete(key)
  }

  /** One run after another for one key until nobody is waiting. Never rejects. */
  private async drain(key: string, state: KeyState<I, O>, first: Waiting<I, O>[]): Promise<void> {
    let batch = first
    for (;;) {
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
        if (this.failWaiting(error)) for (const b of state.waiting.splice(0)) b.reject(error)
      }
      if (state.waiting.length === 0) {
        state.running--
        if (state.running === 0) this.keys.delete(key)
        return
      }
      batch = state.waiting.splice(0, this.max)
    }
  }
}

/** Every item answered with the same kind of value (runs that succeed or fail as a whole). */
export function allOk<O>(values: O[]): Outcome<O>[] {
  return values.map((value) => ({ ok: true, value }))
}
