import { Cluster } from 'ioredis'
import { allOk, Coalescer } from '../lib/coalesce.js'
import type { RedisClient } from '../redis/client.js'
import { countRequests } from '../redis/commands/count-requests.js'

export type CountDone = (error: Error | null, result?: { current: number; ttl: number }) => void

/** Most checks one call carries (the script's work stays small and bounded). */
export const CHECKS_PER_CALL = 200

interface Check {
  key: string
  windowMs: number
}

/**
 * Rate-limit counters in Redis (lua/countRequests-0.lua). A check goes to Redis at once when no count
 * call is in flight; the checks that arrive while one is, whatever their counter, go together in the next
 * call (lib/coalesce: never a timer). A counter checked n times in a call is raised by n and each check
 * gets its own place in the count (first in, first counted), so a limit refuses exactly the requests it
 * did with one call per check, while a rush (many buyers, each hold checked per address and per holder)
 * costs one Redis call per round trip instead of one or two per request. On a Cluster one script call
 * must stay in one slot, so there each counter has its own queue.
 */
export class SharedCounter {
  private readonly calls: Coalescer<Check, { current: number; ttl: number }>
  private readonly queueOf: (key: string) => string

  constructor(redis: RedisClient) {
    this.queueOf = redis instanceof Cluster ? (key) => key : () => ''
    this.calls = new Coalescer(
      async (_queue, checks) => {
        // Checks of one counter counted together, in arrival order.
        const byKey = new Map<string, { windowMs: number; n: number }>()
        for (const c of checks) {
          const entry = byKey.get(c.key)
          if (entry) entry.n++
          else byKey.set(c.key, { windowMs: c.windowMs, n: 1 })
        }
        const adds = [...byKey].map(([key, e]) => ({ key, n: e.n, windowMs: e.windowMs }))
        const counts = await countRequests(redis, adds)
        const next = new Map<string, { current: number; ttl: number }>()
        adds.forEach((a, i) => {
          const { count, leftMs } = counts[i] as { count: number; leftMs: number }
          next.set(a.key, { current: count - a.n + 1, ttl: leftMs })
        })
        return allOk(
          checks.map((c) => {
            const place = next.get(c.key) as { current: number; ttl: number }
            next.set(c.key, { current: place.current + 1, ttl: place.ttl })
            return place
          }),
        )
      },
      { max: CHECKS_PER_CALL },
    )
  }

  incr(key: string, windowMs: number, done: CountDone): void {
    this.calls.submit(this.queueOf(key), { key, windowMs }).then(
      (result) => done(null, result),
      (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
    )
  }
}
