import type { FastifyBaseLogger } from 'fastify'
import type { Services } from '../services/container.js'
import { SingleRunner } from './single-runner.js'
import { sweepAll } from './sweeper.js'

export const SWEEP_INTERVAL_MS = 200
export const RECONCILE_INTERVAL_MS = 2000
const STANDBY_MS = 1000

export interface JobHooks {
  onSweep?: (report: { reclaimed: number; lagMs: number }) => void
  onLeadership?: (job: string, leading: boolean) => void
}

/** The background jobs, each on one instance at a time: the expiry sweeper and the confirm reconciler. */
export function createJobs(services: Services, log: FastifyBaseLogger, hooks: JobHooks = {}): SingleRunner[] {
  const onError = (job: string) => (error: unknown) =>
    log.warn({ err: (error as Error).message }, `${job} tick failed`)
  return [
    new SingleRunner(services.locks, {
      name: 'sweeper',
      intervalMs: SWEEP_INTERVAL_MS,
      standbyMs: STANDBY_MS,
      onError: onError('sweeper'),
      onLeadership: (leading) => hooks.onLeadership?.('sweeper', leading),
      tick: async (signal) => {
        const report = await sweepAll(services.store, signal)
        hooks.onSweep?.(report)
      },
    }),
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
