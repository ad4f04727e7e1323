import type { RedisClient } from '../redis/client.js'
import { countRequests } from '../redis/commands/count-requests.js'
import { allOk, Coalescer } from '../lib/coalesce.js'

export type CountDone = (error: Error | null, result?: { current: number; ttl: number }) => void

/**
 * Rate-limit counters in Redis (lua/countRequests-1.lua), with the checks of one counter that arrive
 * while its call is in flight sent together in the next call (INCRBY n): each still gets its own place in
 * the count (first in, first counted), so a limit refuses exactly the requests it did one call per check,
 * while a busy counter (many clients behind one address, a load test) costs one call per round trip
 * instead of one per request. Counters of different keys never wait for each other.
 */
export class SharedCounter {
  /** Per counter key: the checks that wait for its call in flight go together in the next (lib/coalesce). */
  private readonly calls: Coalescer<number, { current: number; ttl: number }>

  constructor(redis: RedisClient) {
    this.calls = new Coalescer(async (key, windows) => {
      const { count, leftMs } = await countRequests(redis, {
        key,
        n: windows.length,
        windowMs: windows[0] as number,
      })
      return allOk(windows.map((_, i) => ({ current: count - windows.length + 1 + i, ttl: leftMs })))
    })
  }

  incr(key: string, windowMs: number, done: CountDone): void {
    this.calls.submit(key, windowMs).then(
      (result) => done(null, result),
      (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
    )
  }
}
