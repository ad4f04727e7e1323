/**
 * Expiry must not wait for a stalled sweeper. The sweeper runs on the instance holding its Redlock lock,
 * and a paused or frozen leader keeps that lock until it expires (seconds): holds would come back that
 * much late. So the leader leaves a short-lived beat in Redis after every tick, and every other instance
 * watches it: when the beat has lapsed (no tick for BEAT_MS), any instance sweeps the due work itself.
 * Sweeps are idempotent and bounded, so two at once only cost a little.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { RedisClient } from '../redis/client.js'

/** The beat outlives a healthy leader's 200 ms ticks with room to spare, and lapses well within 1 s. */
export const BEAT_MS = 600

export interface StandbySweeperOptions {
  redis: RedisClient
  beatKey: string
  intervalMs: number
  /** True while this instance leads the sweeper (it then beats instead of watching). */
  leading: () => boolean
  sweep: (signal: AbortSignal) => Promise<void>
  onError: (error: unknown) => void
  /** How long a beat lasts (default BEAT_MS): longer than the leader's interval plus a tick. */
  beatMs?: number
}

export class StandbySweeper {
  private readonly stopper = new AbortController()
  private loop: Promise<void> | undefined

  constructor(private readonly options: StandbySweeperOptions) {}

  /** Called by the leader after each tick. */
  async beat(): Promise<void> {
    await this.options.redis.set(this.options.beatKey, '1', 'PX', this.options.beatMs ?? BEAT_MS)
  }

  start(): void {
    this.loop ??= this.run()
  }

  async stop(): Promise<void> {
    this.stopper.abort()
    await this.loop
  }

  private async run(): Promise<void> {
    const { redis, beatKey, intervalMs, leading, sweep, onError } = this.options
    const signal = this.stopper.signal
    while (!signal.aborted) {
      await sleep(intervalMs, undefined, { signal, ref: false }).catch(() => undefined)
      if (signal.aborted || leading()) continue
      try {
        if ((await redis.exists(beatKey)) === 0) await sweep(signal)
      } catch (error) {
        onError(error)
      }
    }
  }
}
