import { setTimeout as sleep } from 'node:timers/promises'
import type { Locks } from '../lib/locks.js'

export interface SingleRunnerOptions {
  /** Lock name: one instance at a time runs the job. */
  name: string
  /** Pause between ticks while this instance holds the lock. */
  intervalMs: number
  /** Pause between attempts to take the lock while another instance holds it. */
  standbyMs: number
  tick: (signal: AbortSignal) => Promise<void>
  onError: (error: unknown) => void
  onLeadership?: (leading: boolean) => void
}

/**
 * A periodic job that runs on one instance at a time. The instance that takes the Redlock lock keeps it
 * (Redlock extends it while the job runs) and ticks until stopped or until an extension fails, which
 * aborts the signal and stops the job here; another instance takes over within the lock's TTL.
 */
export class SingleRunner {
  private readonly stopper = new AbortController()
  private loop: Promise<void> | undefined

  constructor(
    private readonly locks: Locks,
    private readonly options: SingleRunnerOptions,
  ) {}

  start(): void {
    this.loop ??= this.run()
  }

  async stop(): Promise<void> {
    this.stopper.abort()
    await this.loop
  }

  private async pause(ms: number, signal: AbortSignal): Promise<void> {
    await sleep(ms, undefined, { signal, ref: false }).catch(() => undefined)
  }

  private async run(): Promise<void> {
    const { name, intervalMs, standbyMs, tick, onError, onLeadership } = this.options
    const stop = this.stopper.signal
    while (!stop.aborted) {
      try {
        await this.locks.tryRun(`job:${name}`, async (lockSignal) => {
          onLeadership?.(true)
          const signal = AbortSignal.any([stop, lockSignal])
          try {
            while (!signal.aborted) {
              await tick(signal).catch(onError)
              await this.pause(intervalMs, signal)
            }
          } finally {
            onLeadership?.(false)
          }
        })
      } catch (error) {
        onError(error)
      }
      await this.pause(standbyMs, stop)
    }
  }
}
