import type { FastifyBaseLogger } from 'fastify'
import type { Services } from '../services/container.js'
import { layoutPrefix } from '../redis/keys.js'
import { SingleRunner } from './single-runner.js'
import { StandbySweeper } from './standby-sweeper.js'
import { sweepAll } from './sweeper.js'

export const SWEEP_INTERVAL_MS = 200
export const RECONCILE_INTERVAL_MS = 2000
const STANDBY_MS = 1000

export interface JobHooks {
  onSweep?: (report: { reclaimed: number; lagMs: number }) => void
  onLeadership?: (job: string, leading: boolean) => void
}

export interface Job {
  start(): void
  stop(): Promise<void>
}

/**
 * The background jobs: the expiry sweeper and the confirm reconciler, each on one instance at a time,
 * and on every other instance a standby that sweeps while the sweeper's leader has stopped ticking.
 */
export function createJobs(services: Services, log: FastifyBaseLogger, hooks: JobHooks = {}): Job[] {
  const onError = (job: string) => (error: unknown) =>
    log.warn({ err: (error as Error).message }, `${job} tick failed`)
  let leadingSweeper = false
  const sweep = async (signal: AbortSignal) => {
    const report = await sweepAll(services.store, signal)
    hooks.onSweep?.(report)
  }
  const standby = new StandbySweeper({
    redis: services.redis,
    beatKey: `${layoutPrefix(services.config.keyPrefix)}:sweeper:beat`,
    intervalMs: SWEEP_INTERVAL_MS,
    leading: () => leadingSweeper,
    sweep,
    onError: onError('standby sweeper'),
  })
  return [
    new SingleRunner(services.locks, {
      name: 'sweeper',
      intervalMs: SWEEP_INTERVAL_MS,
      standbyMs: STANDBY_MS,
      onError: onError('sweeper'),
      onLeadership: (leading) => {
        leadingSweeper = leading
        hooks.onLeadership?.('sweeper', leading)
      },
      tick: async (signal) => {
        await sweep(signal)
        await standby.beat()
      },
    }),
    standby,
    new SingleRunner(services.locks, {
      name: 'reconciler',
      intervalMs: RECONCILE_INTERVAL_MS,
      standbyMs: STANDBY_MS,
      onError: onError('reconciler'),
      onLeadership: (leading) => hooks.onLeadership?.('reconciler', leading),
      tick: async (signal) => {
        for (const eventId of await services.store.eventIds()) {
          if (signal.aborted) return
          const { finalised, freed } = await services.confirm.reconcile(eventId)
          if (finalised + freed > 0) log.info({ eventId, finalised, freed }, 'reconciled pinned holds')
        }
      },
    }),
  ]
}
