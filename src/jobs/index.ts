import type { FastifyBaseLogger } from 'fastify'
import type { Services } from '../services/container.js'
import { layoutPrefix } from '../redis/keys.js'
import { DriftReconciler } from './drift.js'
import type { DriftReport } from './drift.js'
import { retireDueEvents, RETENTION_INTERVAL_MS } from './retention.js'
import { SingleRunner } from './single-runner.js'
import { StandbySweeper } from './standby-sweeper.js'
import { sweepAll } from './sweeper.js'

export const SWEEP_INTERVAL_MS = 200
/** Allocations go back on sale within a second of their release time: a pass every this many ms. */
export const RELEASE_INTERVAL_MS = 250
/** Pins and drift are checked every second, so Redis agrees with the ledger within seconds of a fault. */
export const RECONCILE_INTERVAL_MS = 1000
/** The reconciler's beat: while it is missing, every other instance reconciles (see StandbySweeper). */
export const RECONCILE_BEAT_MS = 2500
/** Every this many passes an event's seated sections are compared seat by seat even if counts agree. */
export const SEAT_CHECK_EVERY = 30
const STANDBY_MS = 1000
/** An event whose pins could not be settled (ledger down) stays visited at least this much longer. */
const KEEP_UNSETTLED_MS = 5 * 60_000

/**
 * One reconciler pass over the events to visit: overdue pins settled from the ledger, then drift between
 * Redis and the ledger healed (seat by seat every SEAT_CHECK_EVERY passes).
 */
export function createReconciler(
  services: Pick<Services, 'store' | 'ledger' | 'events' | 'confirm'>,
  log: FastifyBaseLogger,
  hooks: Pick<JobHooks, 'onDrift'> = {},
  visit: () => Promise<string[]> = () => services.store.activeEvents(),
): (signal: AbortSignal) => Promise<void> {
  const drift = new DriftReconciler(services.store, services.ledger, services.events)
  let passes = 0
  return async (signal) => {
    const everySeat = passes++ % SEAT_CHECK_EVERY === 0
    for (const eventId of await visit()) {
      if (signal.aborted) return
      try {
        const { finalised, freed } = await services.confirm.reconcile(eventId)
        if (finalised + freed > 0) log.info({ eventId, finalised, freed }, 'reconciled pinned holds')
        const report = await drift.reconcile(eventId, everySeat)
        if (report.seats + report.counts > 0) {
          log.warn({ eventId, ...report }, 'healed drift between Redis and the ledger')
          hooks.onDrift?.(eventId, report)
        }
      } catch (error) {
        // One event's failure (e.g. deleted from the ledger) must not starve the others, and an event
        // whose pins could not be settled (ledger down) stays visited however long the ledger is away.
        await services.store.active.keep(eventId, Date.now() + KEEP_UNSETTLED_MS).catch(() => undefined)
        if (signal.aborted) return
        log.warn({ err: (error as Error).message, eventId }, 'reconciler: event failed')
      }
    }
  }
}

export interface JobHooks {
  onSweep?: (report: { reclaimed: number; lagMs: number }) => void
  /** Holds expired since the last sweep, as each sweep collects the tally (see HoldStore.sweep). */
  onExpired?: (holds: number) => void
  onLeadership?: (job: string, leading: boolean) => void
  onDrift?: (eventId: string, report: DriftReport) => void
}

export interface JobOptions {
  /**
   * The events the reconciler visits each pass (default: the events that can have due work or had a
   * recent cancel, HoldStore.activeEvents).
   */
  visit?: () => Promise<string[]>
  /** Pause between retention ticks (default RETENTION_INTERVAL_MS). */
  retentionIntervalMs?: number
  /** Pause between reconciler passes (default RECONCILE_INTERVAL_MS; keep it under RECONCILE_BEAT_MS). */
  reconcileIntervalMs?: number
}

/** What the jobs use of the services. */
export type JobServices = Pick<
  Services,
  'config' | 'redis' | 'ledger' | 'locks' | 'store' | 'eviction' | 'events' | 'confirm' | 'blocks'
>

export interface Job {
  start(): void
  stop(): Promise<void>
}

/**

 * The background jobs: the expiry sweeper and the reconciler (pinned confirms, then drift between Redis
 * and the ledger), each on one instance at a time, and on every other instance a standby of each that
 * runs it while the leader has stopped beating (paused, frozen or killed while it still holds its lock);
 * the release of allocations at their time; and the retention job. The sweeper and the reconciler visit only the events that can have due work.
 */
export function createJobs(
  services: JobServices,
  log: FastifyBaseLogger,
  hooks: JobHooks = {},
  options: JobOptions = {},
): Job[] {
  const onError = (job: string) => (error: unknown) =>
    log.warn({ err: (error as Error).message }, `${job} tick failed`)
  let leadingSweeper = false
  let leadingReconciler = false
  const sweep = async (signal: AbortSignal) => {
    const report = await sweepAll(services.store, signal, hooks.onExpired)
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

  const reconcile = createReconciler(services, log, hooks, options.visit)
  const reconcileIntervalMs = options.reconcileIntervalMs ?? RECONCILE_INTERVAL_MS
  const standbyReconciler = new StandbySweeper({
    redis: services.redis,
    beatKey: `${layoutPrefix(services.config.keyPrefix)}:reconciler:beat`,
    intervalMs: reconcileIntervalMs,
    beatMs: RECONCILE_BEAT_MS,
    leading: () => leadingReconciler,
    sweep: reconcile,
    onError: onError('standby reconciler'),
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
      intervalMs: reconcileIntervalMs,
      standbyMs: STANDBY_MS,
      onError: onError('reconciler'),
      onLeadership: (leading) => {
        leadingReconciler = leading
        hooks.onLeadership?.('reconciler', leading)
      },
      tick: async (signal) => {
        await reconcile(signal)
        await standbyReconciler.beat()
      },
    }),
    standbyReconciler,
    // Exactly once needs no lock: the script that releases an allocation is the one that takes it from
    // the event's release index (BlockService.releaseDue). The lock keeps the ledger asked once a pass.
    new SingleRunner(services.locks, {
      name: 'releases',
      intervalMs: RELEASE_INTERVAL_MS,
      standbyMs: STANDBY_MS,
      onError: onError('releases'),
      tick: async () => {
        const released = await services.blocks.releaseDue((block, error) =>
          log.warn(
            { eventId: block.eventId, blockId: block.id, err: (error as Error).message },
            'releases: allocation not released yet',
          ),
        )
        if (released > 0) log.info({ released }, 'allocations back on sale at their release time')
      },
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
