import { setTimeout as sleep } from 'node:timers/promises'
import { Cluster, Redis } from 'ioredis'
import type { FastifyBaseLogger } from 'fastify'
import type { RedisClient } from '../redis/client.js'
import { timerKeyPattern } from '../redis/keys.js'

type Log = Pick<FastifyBaseLogger, 'warn' | 'info' | 'debug'>

/** The keyspace-notification classes the watcher needs: E (keyevent channels) and x (expired events). */
export const REQUIRED_FLAGS = 'Ex'

/**
 * The `notify-keyspace-events` value that adds what the watcher needs to `current` without dropping
 * any flag someone else set, or null when `current` already has it. "A" is Redis' alias for
 * "g$lshzxetd", so it covers "x".
 */
export function mergeKeyspaceFlags(current: string): string | null {
  const missing: string[] = []
  if (!current.includes('E')) missing.push('E')
  if (!current.includes('x') && !current.includes('A')) missing.push('x')
  return missing.length === 0 ? null : `${current}${missing.join('')}`
}

export type FlagsOutcome =
  | { kind: 'already'; flags: string }
  | { kind: 'enabled'; before: string; flags: string }
  /** CONFIG GET or SET answered with an error (managed Redis, ACL, renamed command). */
  | { kind: 'refused'; flags: string | null; reason: string }

function isReplyError(error: unknown): error is Error {
  return error instanceof Error && error.name === 'ReplyError'
}

/**
 * Makes sure one Redis node publishes expired events on the keyevent channels: CONFIG GET, then
 * CONFIG SET with the merged flags. A refusal is reported, not thrown; connection errors are thrown.
 */
export async function ensureExpiredEvents(node: Redis): Promise<FlagsOutcome> {
  let flags: string
  try {
    const reply = (await node.config('GET', 'notify-keyspace-events')) as string[]
    flags = reply[1] ?? ''
  } catch (error) {
    if (isReplyError(error)) return { kind: 'refused', flags: null, reason: error.message }
    throw error
  }
  const merged = mergeKeyspaceFlags(flags)
  if (merged === null) return { kind: 'already', flags }
  try {
    await node.config('SET', 'notify-keyspace-events', merged)
  } catch (error) {
    if (isReplyError(error)) return { kind: 'refused', flags, reason: error.message }
    throw error
  }
  return { kind: 'enabled', before: flags, flags: merged }
}

export interface ExpiryWatcherOptions {
  /** The service's command connection: CONFIG, node discovery, and the template for subscribers. */
  redis: RedisClient
  prefix: string
  /** Reclaims one event's expired holds (HoldStore.sweep). Must be safe to call any time, any number of times. */
  sweep: (eventId: string) => Promise<{ reclaimed: number; more: boolean }>
  log: Log
  /** Sweeps running at once across events (default 32). */
  maxConcurrentSweeps?: number
}

export interface ExpiryWatcherStats {
  /** Expired-key notifications received (any key). */
  notifications: number
  /** Of which were hold timers of this service's prefix. */
  timers: number
  /** Sweeps started by the watcher, and the holds they reclaimed (others were reclaimed first elsewhere). */
  sweeps: number
  reclaimed: number
  failures: number
}

const SUBSCRIBER_NAME = 'seatlock-keyspace'
/**
 * A timer can stand for thousands of holds (every hold of the event expiring in its 100 ms slot), more than
 * one script call reclaims (50): one notification drains up to this many batches, as a sweeper tick does.
 */
const MAX_BATCHES_PER_TIMER = 200
const CONFIG_RETRIES = 10
const CONFIG_RETRY_MS = 500
const SUBSCRIBE_WAIT_MS = 3000

/**
 * The low-latency path of expiry. The holds of an event that expire within one 100 ms slot share a
 * timer key (`…:hx:<slot end ms>`) that Redis expires natively at the end of the slot; with keyspace
 * notifications on (`notify-keyspace-events` with E and x) Redis publishes its name on
 * `__keyevent@<db>__:expired`, and the watcher sweeps that event at once.
 *
 * Notifications are fire-and-forget (lost while disconnected, late under load), so the sweeper stays
 * the guarantee; this only makes the common case fast. A hold is reclaimed, and its expiry reported (the
 * metric's tally; `hold.expired` on streams of watched events), once by the Lua scripts, whoever calls
 * them first: nothing is emitted from here.
 *
 * Sweeps are coalesced per event: one in flight plus one queued, however many timers fire.
 * On Redis Cluster notifications are per node, so there is one subscriber per master.
 *
 * It runs on every instance, not only on the sweeper's leader: Redis sends each notification to every
 * subscriber anyway, a sweep that finds nothing due costs one short script, and the fast path then
 * keeps working while the sweeper's lock changes hands (a dead leader's lock lives on for its TTL).
 *
 * Managed Redis (ElastiCache, Memorystore, Azure Cache, …) usually refuses CONFIG: the watcher then logs
 * one warning and still subscribes, so setting `notify-keyspace-events` to include "E" and "x" in the
 * provider's parameter group turns the fast path on without a restart of the service.
 */
export class ExpiryWatcher {
  readonly stats: ExpiryWatcherStats = { notifications: 0, timers: 0, sweeps: 0, reclaimed: 0, failures: 0 }
  private readonly timer: RegExp
  private readonly maxConcurrent: number
  private readonly subscriptions = new Map<string, Redis>()
  private readonly pending = new Set<string>()
  private readonly running = new Map<string, Promise<void>>()
  private readonly stopper = new AbortController()
  private warnedRefused = false
  private started: Promise<void> | undefined
  private onRefresh: (() => void) | undefined

  constructor(private readonly options: ExpiryWatcherOptions) {
    this.timer = timerKeyPattern(options.prefix)
    this.maxConcurrent = options.maxConcurrentSweeps ?? 32
  }

  /** Subscribes on every node and enables the notifications where allowed. Never rejects. */
  start(): Promise<void> {
    this.started ??= this.subscribeAll().then(
      () =>
        this.options.log.info(
          { nodes: this.subscriptions.size },
          'expiry watcher: sweeping events as their hold timers expire (keyspace notifications)',
        ),
      (error: unknown) =>
        this.options.log.warn(
          { err: (error as Error).message },
          'expiry watcher did not start; the sweeper remains',
        ),
    )
    const { redis } = this.options
    if (redis instanceof Cluster && !this.onRefresh) {
      // Masters change on failover and resharding; ioredis refreshes the slot map periodically.
      this.onRefresh = () => void this.subscribeAll().catch(() => undefined)
      redis.on('refresh', this.onRefresh)
    }
    return this.started
  }

  async stop(): Promise<void> {
    this.stopper.abort()
    if (this.onRefresh) this.options.redis.off('refresh', this.onRefresh)
    await this.started
    for (const client of this.subscriptions.values()) client.disconnect()
    this.subscriptions.clear()
    this.pending.clear()
    await Promise.allSettled([...this.running.values()])
  }

  /** Called for every expired key: sweeps the hold's event soon, coalescing bursts. */
  expired(key: string): void {
    this.stats.notifications++
    const eventId = this.timer.exec(key)?.[1]
    if (eventId === undefined || this.stopper.signal.aborted) return
    this.stats.timers++
    this.pending.add(eventId)
    this.pump()
  }

  private pump(): void {
    for (const eventId of this.pending) {
      if (this.running.size >= this.maxConcurrent) return
      if (this.running.has(eventId)) continue // queued: runs once more when the current sweep ends
      this.pending.delete(eventId)
      this.running.set(eventId, this.run(eventId))
    }
  }

  private async run(eventId: string): Promise<void> {
    this.stats.sweeps++
    try {
      for (let batch = 0; batch < MAX_BATCHES_PER_TIMER && !this.stopper.signal.aborted; batch++) {
        const { reclaimed, more } = await this.options.sweep(eventId)
        this.stats.reclaimed += reclaimed
        if (!more) break
      }
    } catch (error) {
      this.stats.failures++
      this.options.log.debug({ err: (error as Error).message, eventId }, 'expiry watcher sweep failed')
    } finally {
      this.running.delete(eventId)
      if (!this.stopper.signal.aborted) this.pump()
    }
  }

  /** Each node that publishes expired events, keyed by host:port: the masters, or the one server. */
  private nodes(): Map<string, Redis> {
    const { redis } = this.options
    const nodes = new Map<string, Redis>()
    if (redis instanceof Redis) nodes.set('standalone', redis)
    else
      for (const node of redis.nodes('master')) nodes.set(`${node.options.host}:${node.options.port}`, node)
    return nodes
  }

  private async subscribeAll(): Promise<void> {
    const nodes = this.nodes()
    for (const [key, client] of this.subscriptions) {
      if (!nodes.has(key)) {
        client.disconnect()
        this.subscriptions.delete(key)
      }
    }
    await Promise.all(
      [...nodes]
        .filter(([key]) => !this.subscriptions.has(key))
        .map(([key, node]) => this.subscribe(key, node)),
    )
  }

  /**
   * A dedicated connection per node. It subscribes (and checks the flags: a restarted Redis forgets a
   * CONFIG SET) on every 'ready', so it recovers from restarts by itself. Resolves at the first
   * subscription, or after SUBSCRIBE_WAIT_MS with a warning while it keeps trying in the background.
   */
  private async subscribe(key: string, node: Redis): Promise<void> {
    if (this.stopper.signal.aborted) return
    const channel = `__keyevent@${node.options.db ?? 0}__:expired`
    const client = node.duplicate({
      connectionName: SUBSCRIBER_NAME,
      lazyConnect: true,
      autoResubscribe: false,
    })
    this.subscriptions.set(key, client)
    let subscribed: () => void = () => undefined
    const first = new Promise<void>((resolve) => (subscribed = resolve))
    client.on('error', (error: Error) =>
      this.options.log.debug({ err: error.message, node: key }, 'keyspace subscriber connection error'),
    )
    client.on('message', (_channel: string, expiredKey: string) => this.expired(expiredKey))
    client.on('ready', () => {
      const subscribing = client.subscribe(channel).then(
        () => true,
        (error: Error) => {
          this.options.log.debug({ err: error.message, node: key }, 'keyspace subscribe failed')
          client.disconnect(true)
          return false
        },
      )
      void Promise.all([subscribing, this.configureWithRetry(key, node)]).then(([ok]) => ok && subscribed())
    })
    client.connect().catch(() => undefined) // retried by the connection's retryStrategy
    let timer: NodeJS.Timeout | undefined
    const waited = await Promise.race([
      first.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), SUBSCRIBE_WAIT_MS)
        timer.unref()
        this.stopper.signal.addEventListener('abort', () => resolve(false), { once: true })
      }),
    ])
    clearTimeout(timer)
    if (!waited && !this.stopper.signal.aborted) {
      this.options.log.warn(
        { node: key },
        'expiry watcher not subscribed yet (still trying); expiry relies on the sweeper meanwhile',
      )
    }
  }

  private async configureWithRetry(key: string, node: Redis): Promise<void> {
    for (let attempt = 1; attempt <= CONFIG_RETRIES && !this.stopper.signal.aborted; attempt++) {
      try {
        await this.configure(key, node)
        return
      } catch {
        await sleep(CONFIG_RETRY_MS, undefined, { signal: this.stopper.signal, ref: false }).catch(
          () => undefined,
        )
      }
    }
  }

  private async configure(key: string, node: Redis): Promise<void> {
    const outcome = await ensureExpiredEvents(node)
    const { log } = this.options
    if (outcome.kind === 'enabled') {
      log.info(
        { node: key, before: outcome.before, flags: outcome.flags },
        'keyspace notifications: enabled expired events (notify-keyspace-events)',
      )
    } else if (outcome.kind === 'refused' && !this.warnedRefused) {
      this.warnedRefused = true
      const found =
        outcome.flags === null
          ? 'its current value could not be read'
          : `it is "${outcome.flags}"${mergeKeyspaceFlags(outcome.flags) === null ? ', which is enough' : ''}`
      log.warn(
        { node: key, flags: outcome.flags, reason: outcome.reason },
        `keyspace notifications: CONFIG is not allowed on this Redis (${outcome.reason}), so the service cannot ` +
          `enable expired events itself (${found}). Expiry still works through the sweeper (every 200 ms on ` +
          `one instance); for the low-latency path set notify-keyspace-events to include "E" and "x" (e.g. ` +
          `"Ex", or add both to the flags already set) in redis.conf or your provider's parameter group`,
      )
    }
  }
}
