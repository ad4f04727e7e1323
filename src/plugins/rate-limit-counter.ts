import type { RedisClient } from '../redis/client.js'
import { countRequests } from '../redis/commands/count-requests.js'

export type CountDone = (error: Error | null, result?: { current: number; ttl: number }) => void

/**
 * Rate-limit counters in Redis (lua/countRequests-1.lua), with the checks of one counter that arrive
 * while its call is in flight sent together in the next call (INCRBY n): each still gets its own place in
 * the count (first in, first counted), so a limit refuses exactly the requests it did one call per check,
 * while a busy counter (many clients behind one address, a load test) costs one call per round trip
 * instead of one per request. Counters of different keys never wait for each other.
 */
export class SharedCounter {
  /** Checks queued behind each counter's call in flight (an entry exists while a call is in flight). */
  private readonly queued = new Map<string, CountDone[]>()

  constructor(private readonly redis: RedisClient) {}

  incr(key: string, windowMs: number, done: CountDone): void {
    const waiting = this.queued.get(key)
    if (waiting) {
      waiting.push(done)
      return
    }
    this.queued.set(key, [])
    this.send(key, windowMs, [done])
  }

  private send(key: string, windowMs: number, batch: CountDone[]): void {
    const settle = (error: Error | null, reply?: { count: number; leftMs: number }) => {
      const next = this.queued.get(key) ?? []
      if (next.length > 0) {
        this.queued.set(key, [])
        this.send(key, windowMs, next)
      } else {
        this.queued.delete(key)
      }
      const total = Number(reply?.count)
      const ttl = Number(reply?.leftMs)
      batch.forEach((done, i) =>
        error ? done(error) : done(null, { current: total - batch.length + 1 + i, ttl }),
      )
    }
    countRequests(this.redis, { key, n: batch.length, windowMs }).then(
      (reply) => settle(null, reply),
      (error: unknown) => settle(error instanceof Error ? error : new Error(String(error))),
    )
  }
}
