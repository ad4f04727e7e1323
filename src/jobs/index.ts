import type { FastifyBaseLogger } from 'fastify'
import type { Services } from '../services/container.js'
import { layoutPrefix } from '../redis/keys.js'
import { retireDueEvents, RETENTION_INTERVAL_MS } from './retention.js'
import { SingleRunner } from './single-runner.js'
import { StandbySweeper } from './standby-sweeper.js'
import { sweepAll } from './sweeper.js'

export const SWEEP_INTERVAL_MS = 200
export const RECONCILE_INTERVAL_MS = 2000
const STANDBY_MS = 1000
/** An event whose pins could not be settled (ledger down) stays visited at least this much longer. */
const KEEP_UNSETTLED_MS = 5 * 60_000

/**
 * One reconciler tick: settles overdue pins of the events that can have any (HoldStore.activeEvents).
 * An event whose pins could not be settled stays in the index however long the ledger is away.
 */
export async function reconcileActive(
  services: Pick<Services, 'store' | 'confirm'>,
  log: FastifyBaseLogger,
  signal: AbortSignal,
): Promise<void> {
  let failed: unknown
  for (const eventId of await services.store.activeEvents()) {
    if (signal.aborted) return
    try {
      const { finalised, freed } = await services.confirm.reconcile(eventId)
      if (finalised + freed > 0) log.info({ eventId, finalised, freed }, 'reconciled pinned holds')
    } catch (error) {
      failed ??= error
      await services.store.active.keep(eventId, Date.now() + KEEP_UNSETTLED_MS).catch(() => undefined)
    }
  }
  if (failed !== undefined) throw failed
}

export interface JobHooks {
  onSweep?: (report: { reclaimed: number; lagMs: number }) => void
  onLeadership?: (job: string, leading: boolean) => void
}

export interface Job {
  start(): void
  stop(): Promise<void>
}

/**
 * The background jobs: the expiry sweeper, the confirm reconciler and the retention job, each on one
 * instance at a time, and on every other instance a standby that sweeps while the sweeper's leader has
 * stopped ticking. The sweeper and the reconciler visit only the events that can have due work.
 */
export interface JobOptions {
  /** Pause between retention ticks (default RETENTION_INTERVAL_MS). */
  retentionIntervalMs?: number
}

export function createJobs(
  services: Services,
  log: FastifyBaseLogger,
  hooks: JobHooks = {},
  options: JobOptions = {},
): Job[] {
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
      tick: (signal) => reconcileActive(services, log, signal),
    }),
    new SingleRunner(services.locks, {
      name: 'retention',
      intervalMs: options.retentionIntervalMs ?? RETENTION_INTERVAL_MS,
      standbyMs: STANDBY_MS,
      onError: onError('retention'),
      tick: async (signal) => {
        const { evicted } = await retireDueEvents(services, signal)
        if (evicted > 0) log.info({ evicted }, 'removed the Redis state of past events')
      },
    }),
  ]
}
