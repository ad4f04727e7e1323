/**
 * When to re-read the seat map. The event stream says which sections changed and their counts, not which
 * seats: the page re-reads the compact map of those sections. Under an on-sale's hundreds of changes a
 * second, reading once per change would load the service with one read per change per viewer; instead
 * changes mark sections dirty and reads run one at a time, at most one every `minGapMs`, each covering
 * every section marked since the last began (the whole map when many are). A seat's change therefore
 * shows within about minGapMs plus one read, whatever the rate, and a viewer costs at most 1000/minGapMs
 * reads a second.
 */
export class RefreshScheduler {
  /**
   * @param {{ minGapMs: number, read: (sections: string[] | 'all') => Promise<void>,
   *   wholeMapAbove?: number, retryMs?: number, now?: () => number,
   *   setTimer?: (run: () => void, ms: number) => void }} options
   */
  constructor({ minGapMs, read, wholeMapAbove = 4, retryMs = 1000, now, setTimer }) {
    this.minGapMs = minGapMs
    this.read = read
    this.wholeMapAbove = wholeMapAbove
    this.retryMs = retryMs
    this.now = now ?? (() => performance.now())
    this.setTimer = setTimer ?? ((run, ms) => setTimeout(run, ms))
    /** @type {Set<string>} */
    this.dirty = new Set()
    this.all = false
    this.running = false
    this.timerSet = false
    this.notBefore = -Infinity
    /** Reads started, for the page's inspector and the tests. */
    this.reads = 0
  }

  /** Sections changed (or 'all': after a snapshot, a reconnection, or when the page cannot tell). */
  mark(sections) {
    if (sections === 'all') this.all = true
    else for (const id of sections) this.dirty.add(id)
    this.schedule()
  }

  get pending() {
    return this.all || this.dirty.size > 0
  }

  schedule() {
    if (this.running || this.timerSet || !this.pending) return
    this.timerSet = true
    this.setTimer(() => void this.run(), Math.max(0, this.notBefore - this.now()))
  }

  async run() {
    this.timerSet = false
    if (this.running || !this.pending) return
    const target = this.all || this.dirty.size > this.wholeMapAbove ? 'all' : [...this.dirty]
    this.all = false
    this.dirty.clear()
    this.running = true
    this.notBefore = this.now() + this.minGapMs
    this.reads++
    try {
      await this.read(target)
    } catch {
      // A failed read (503, a network blip) is tried again a little later with whatever changed meanwhile.
      this.mark(target === 'all' ? 'all' : target)
      this.notBefore = this.now() + this.retryMs
    } finally {
      this.running = false
    }
    this.schedule()
  }
}
