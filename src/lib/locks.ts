import Redlock, { ResourceLockedError, ExecutionError } from 'redlock'
import type { RedisClient } from '../redis/client.js'
import { apiError } from '../errors.js'

/**
 * Single-runner work across instances (sweeper, reconciler, rebuilding an event from the ledger).
 * Redlock is never part of a sale's correctness: the ledger's constraints are. The lock is extended
 * automatically while the work runs; if an extension fails the signal aborts and the work must stop.
 */
export class Locks {
  private readonly redlock: Redlock

  constructor(
    redis: RedisClient,
    private readonly prefix: string,
    private readonly ttlMs = 5000,
  ) {
    // Waits up to about retryCount * retryDelay for a lock held elsewhere (e.g. another instance loading an event).
    this.redlock = new Redlock([redis], {
      retryCount: 40,
      retryDelay: 100,
      retryJitter: 50,
      automaticExtensionThreshold: 1000,
    })
    // Extension failures surface through the abort signal; without a listener EventEmitter would throw.
    this.redlock.on('error', () => undefined)
  }

  /** Waits for the lock, then runs `work` while holding it. */
  async run<T>(name: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await this.redlock.using([`${this.prefix}:lock:${name}`], this.ttlMs, work)
    } catch (error) {
      if (error instanceof ExecutionError || error instanceof ResourceLockedError)
        throw apiError('EVENT_LOADING')
      throw error
    }
  }

  /** Tries once: runs `work` if the lock is free, returns undefined at once if another instance holds it. */
  async tryRun<T>(name: string, work: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
    try {
      return await this.redlock.using([`${this.prefix}:lock:${name}`], this.ttlMs, { retryCount: 0 }, work)
    } catch (error) {
      if (error instanceof ExecutionError || error instanceof ResourceLockedError) return undefined
      throw error
    }
  }
}
