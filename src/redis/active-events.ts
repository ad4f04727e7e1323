import type { RedisClient } from './client.js'
import { layoutPrefix } from './keys.js'

/**
 * The events that can have due work: holds that may expire, pins the reconciler must settle. The sweeper,
 * the reconciler and the metrics scrape visit only these, not every event ever created.
 *
 * A sorted set, eventId -> the latest time (ms) the event can still have due work. The key lies outside
 * every event's slot, so the hold scripts cannot write it on a Redis Cluster; it is written from here,
 * race-free, by two rules:
 *  - before a create script runs, the event's score is at least `now + lifetime + SLACK` (ZADD GT only ever
 *    raises it); a hold taken by that script is due at most `lifetime` after its creation (extensions are
 *    capped by HOLD_LIFETIME_MAX_S from creation, a pin's deadline lies before the hold's expiry), so the
 *    score covers it with at least SLACK - REFRESH to spare (clock skew between instances and Redis);
 *  - a visitor drops only members whose score is below its now (ZREMRANGEBYSCORE), which a create that
 *    registered first can never be: it raised the score far above now before its script ran.
 * Each instance caches the score it last wrote per event and writes again only once that is REFRESH old:
 * about one ZADD a minute per event and instance, not one per hold.
 */
export interface ActiveEventsOptions {
  /** Margin above the holds' lifetime: covers clock skew between instances (default 5 min). */
  slackMs?: number
  /** How stale a cached score may get before the next create writes it again (default 60 s). */
  refreshMs?: number
}

const SLACK_MS = 5 * 60_000
const REFRESH_MS = 60_000
/** Cached scores kept before the past ones are pruned (an instance serves this many live events at most). */
const CACHE_PRUNE_AT = 10_000

export function activeIndexKey(prefix: string): string {
  return `${layoutPrefix(prefix)}:active`
}

export class ActiveEvents {
  private readonly key: string
  private readonly slackMs: number
  private readonly refreshMs: number
  /** eventId -> the score this instance knows the index holds for it (at least). */
  private readonly registered = new Map<string, number>()
  private readonly pending = new Map<string, Promise<void>>()

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    options: ActiveEventsOptions = {},
  ) {
    this.key = activeIndexKey(prefix)
    this.slackMs = options.slackMs ?? SLACK_MS
    this.refreshMs = Math.min(options.refreshMs ?? REFRESH_MS, this.slackMs / 2)
  }

  /**
   * Call before a script that may take a hold living up to `lifetimeMs`: resolves once the index covers
   * such a hold. No Redis call while this instance's last write still covers it by REFRESH.
   */
  async register(eventId: string, lifetimeMs: number): Promise<void> {
    const now = Date.now()
    const known = this.registered.get(eventId)
    if (known !== undefined && known >= now + lifetimeMs + this.slackMs - this.refreshMs) return
    // Concurrent creates of one event on this instance share one write.
    let write = this.pending.get(eventId)
    if (!write) {
      const score = now + lifetimeMs + this.slackMs
      write = this.redis
        .zadd(this.key, 'GT', score, eventId)
        .then(() => {
          if ((this.registered.get(eventId) ?? 0) < score) this.registered.set(eventId, score)
          if (this.registered.size > CACHE_PRUNE_AT) this.prune(Date.now())
        })
        .finally(() => this.pending.delete(eventId))
      this.pending.set(eventId, write)
    }
    await write
  }

  /** Keeps an event visited until at least `untilMs` (work is overdue: a pin the ledger could not settle). */
  async keep(eventId: string, untilMs: number): Promise<void> {
    await this.redis.zadd(this.key, 'GT', untilMs, eventId)
  }

  /**
   * Forget what this instance wrote: Redis may have lost the index (restarted, flushed, failed over), so
   * the next create of each event writes its score again.
   */
  reset(eventId?: string): void {
    if (eventId === undefined) this.registered.clear()
    else this.registered.delete(eventId)
  }

  /**
   * Takes an event out of the index for good: it was archived or deleted, so it can have no hold, no pin
   * and no cancel in Redis any more (its state is gone). A create that registers it again meets no state
   * and is refused, and the one who refuses it removes it again.
   */
  async remove(eventId: string): Promise<void> {
    this.registered.delete(eventId)
    await this.redis.zrem(this.key, eventId)
  }

  /** The events to visit: drops those whose score has passed, returns the rest (two commands, one key). */
  async list(now = Date.now()): Promise<string[]> {
    const results = await this.redis
      .multi()
      .zremrangebyscore(this.key, '-inf', `(${now}`)
      .zrangebyscore(this.key, now, '+inf')
      .exec()
    const failed = results?.find(([error]) => error)?.[0]
    if (failed) throw failed
    if (!results) throw new Error('active events: transaction aborted')
    return results[1]?.[1] as string[]
  }

  private prune(now: number): void {
    for (const [eventId, score] of this.registered) if (score < now) this.registered.delete(eventId)
  }
}
