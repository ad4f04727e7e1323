import { Cluster } from 'ioredis'
import type { RedisClient } from '../redis/client.js'
import { patientTimeout } from '../lib/patient-timeout.js'
import { countRequests } from '../redis/commands/count-requests.js'

export type CountDone = (error: Error | null, result?: { current: number; ttl: number }) => void

/** Most counters one call carries (the script's work stays small and bounded). */
export const COUNTERS_PER_CALL = 200

interface Pending {
  windowMs: number
  /** The checks of this counter in this turn, in arrival order. */
  checks: CountDone[]
}

/**
 * Rate-limit counters in Redis (lua/countRequests-0.lua). Every check of one event-loop turn, whatever
 * its counter, goes in one call sent at the end of the turn (setImmediate, never a timer): a counter
 * checked n times is raised by n, and each check gets its own place in the count (first in, first
 * counted), so a limit refuses exactly the requests it did with one call per check. A rush (many
 * buyers, each hold checked per address and per holder) costs one Redis call per turn instead of one or
 * two per request. Calls go out one per turn without waiting for the previous one: Redis runs them in
 * order on the connection, so the counts keep arrival order. On a Cluster each counter is its own call,
 * since one script call must stay in one slot.
 */
export class SharedCounter {
  private pending = new Map<string, Pending>()
  private scheduled = false

  /**
   * A call not answered within `timeoutMs` fails every check it carries (and `onTimeout` runs): one timer
   * per call, not one per check. Without `timeoutMs` a call waits for Redis's own answer or error.
   */
  constructor(
    private readonly redis: RedisClient,
    private readonly options: { timeoutMs?: number; onTimeout?: () => void } = {},
  ) {}

  incr(key: string, windowMs: number, done: CountDone): void {
    let entry = this.pending.get(key)
    if (entry === undefined) {
      entry = { windowMs, checks: [] }
      this.pending.set(key, entry)
    }
    entry.checks.push(done)
    if (!this.scheduled) {
      this.scheduled = true
      setImmediate(() => this.send())
    }
  }

  private send(): void {
    this.scheduled = false
    const turn = [...this.pending]
    this.pending = new Map()
    const perCall = this.redis instanceof Cluster ? 1 : COUNTERS_PER_CALL
    for (let i = 0; i < turn.length; i += perCall) void this.count(turn.slice(i, i + perCall))
  }

  /** One call for these counters; answers every check it carries. Never rejects. */
  private async count(counters: [string, Pending][]): Promise<void> {
    let settled = false
    const fail = (failure: Error) => {
      settled = true
      for (const [, p] of counters) for (const done of p.checks) done(failure)
    }
    const { timeoutMs, onTimeout } = this.options
    const call = countRequests(
      this.redis,
      counters.map(([key, p]) => ({ key, n: p.checks.length, windowMs: p.windowMs })),
    )
    // Timed from the end of the next turn, when the batched write has left (write-batching.ts; this
    // immediate runs after that one), and patiently (lib/patient-timeout.ts): on a busy event loop a plain
    // timer would call a Redis that answered slow and open the breaker, so limits would be off exactly
    // when a rush makes the loop busy.
    let answered = false
    let cancel: () => void = () => undefined
    if (timeoutMs !== undefined)
      setImmediate(() => {
        if (answered) return
        cancel = patientTimeout(timeoutMs, () => {
          onTimeout?.()
          fail(new Error('Redis did not answer the rate limit check in time'))
        })
      })
    let counts: { count: number; leftMs: number }[]
    try {
      counts = await call
    } catch (error) {
      if (!settled) fail(error instanceof Error ? error : new Error(String(error)))
      return
    } finally {
      answered = true
      cancel()
    }
    if (settled) return
    counters.forEach(([, p], i) => {
      const { count, leftMs } = counts[i] as { count: number; leftMs: number }
      const first = count - p.checks.length + 1
      p.checks.forEach((done, j) => done(null, { current: first + j, ttl: leftMs }))
    })
  }
}
