/**
 * Per-key coalescing of calls that can be served together: the first call for a key runs at once (never
 * a timer); calls that arrive while it runs wait and go together in the next run (up to `max`). Under a
 * rush one run serves everyone who arrived during the last one; alone, a call costs what it always did.
 * A failed run fails the calls it carried, and only those.
 */
export class Coalescer<I, O> {
  private readonly queues = new Map<
    string,
    { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[]
  >()

  constructor(
    /** Serves the items of one key, answering each in order. */
    private readonly run: (key: string, items: I[]) => Promise<O[]>,
    private readonly max = 100,
  ) {}

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

  private async drain(
    key: string,
    first: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[],
  ): Promise<void> {
    let batch = first
    for (;;) {
      try {
        const out = await this.run(
          key,
          batch.map((b) => b.item),
        )
        batch.forEach((b, i) => b.resolve(out[i] as O))
      } catch (error) {
        for (const b of batch) b.reject(error)
      }
      const waiting = this.queues.get(key) as typeof batch
      if (waiting.length === 0) {
        this.queues.delete(key)
        return
      }
      batch = waiting.splice(0, this.max)
    }
  }
}
