/**
 * A Map that keeps at most `max` entries: setting a new key when it is full drops the oldest entry first
 * (a Map iterates in insertion order). A `max` of 0 or less keeps nothing. For caches whose entries can
 * always be made again: what was dropped costs one rebuild, never a wrong answer.
 */
export class BoundedMap<K, V> {
  private readonly entries = new Map<K, V>()

  constructor(private readonly max: number) {}

  get(key: K): V | undefined {
    return this.entries.get(key)
  }

  set(key: K, value: V): void {
    if (this.max <= 0) return
    if (!this.entries.has(key) && this.entries.size >= this.max) {
      const oldest = this.entries.keys().next()
      if (!oldest.done) this.entries.delete(oldest.value)
    }
    this.entries.set(key, value)
  }

  delete(key: K): void {
    this.entries.delete(key)
  }

  get size(): number {
    return this.entries.size
  }
}
