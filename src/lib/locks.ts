import Redlock, { ResourceLockedError, ExecutionError } from 'redlock'
import type { RedisClient } from '../redis/client.js'

/** run() waited its whole time and another instance still holds the lock: the caller decides what that means. */
export class LockBusyError extends Error {
  override name = 'LockBusyError'
}

/** Acquisition settings (using() applies them to acquiring only; extension uses the instance's). */
const WAIT = { retryCount: 40, retryDelay: 100, retryJitter: 50 }
const ONCE = { retryCount: 0 }

/**
 * Single-runner work across instances (sweeper, reconciler, rebuilding an event from the ledger).
 * Redlock is never part of a sale's correctness: the ledger's constraints are. The lock is extended
 * automatically while the work runs (redlock 5 `using()`: an extension is attempted `automaticExtensionThreshold`
 * before expiry and retried while the lock is still valid); if it cannot be extended the signal aborts, about
 * when the lock expires, and the work must stop: another instance may take the lock from then on.
 */
export class Locks {
  private readonly redlock: Redlock

  constructor(
    redis: RedisClient,
    private readonly prefix: string,
    readonly ttlMs = 5000,
  ) {
    // These settings govern extension and release (redlock's using() extends with the instance's settings):
    // a few quick attempts, so a lost lock aborts the work about when the lock expires, not seconds later.
    this.redlock = new Redlock([redis], {
      retryCount: 2,
      retryDelay: 100,
      retryJitter: 50,
      automaticExtensionThreshold: 1000,
    })
    // Redlock emits 'error' for every refused vote (e.g. a lock held elsewhere). Without a listener the
    // EventEmitter would throw out of the vote and skip Redlock's own retries; failures still surface as
    // ExecutionError or through the abort signal.
    this.redlock.on('error', () => undefined)
  }

  private resource(name: string): string[] {
    return [`${this.prefix}:lock:${name}`]
  }

  /**
   * Waits for the lock (up to about 4 s, e.g. while another instance loads the same event), then runs
   * `work` while holding it; LockBusyError when the lock stays taken. A release that fails after the work finished does not fail the work: the lock
   * expires by itself.
   */
  async run<T>(name: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    let result: { value: T } | undefined
    try {
      await this.redlock.using(this.resource(name), this.ttlMs, WAIT, async (signal) => {
        result = { value: await work(signal) }
      })
    } catch (error) {
      if (result) return result.value
      if (error instanceof ExecutionError || error instanceof ResourceLockedError)
        throw new LockBusyError(`lock ${name} is held elsewhere`, { cause: error })
      throw error
    }
    return (result as { value: T }).value
  }

  /** Tries once: runs `work` if the lock is free, returns undefined at once if another instance holds it. */
  async tryRun<T>(name: string, work: (signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
    let result: { value: T } | undefined
    try {
      await this.redlock.using(this.resource(name), this.ttlMs, ONCE, async (signal) => {
        result = { value: await work(signal) }
      })
    } catch (error) {
      if (result) return result.value
      if (error instanceof ExecutionError || error instanceof ResourceLockedError) return undefined
      throw error
    }
    return result?.value
  }
}
