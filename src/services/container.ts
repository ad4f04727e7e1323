import type { FastifyBaseLogger } from 'fastify'
import type { Config } from '../config.js'
import { GroupCommit } from '../ledger/group-commit.js'
import type { Ledger } from '../ledger/port.js'
import { createAuth } from '../lib/auth.js'
import type { Auth } from '../lib/auth.js'
import { Locks } from '../lib/locks.js'
import { silentLog } from '../lib/silent-log.js'
import { createMetrics } from '../metrics.js'
import type { Metrics } from '../metrics.js'
import type { ActiveEventsOptions } from '../redis/active-events.js'
import { createRedis } from '../redis/client.js'
import type { RedisClient } from '../redis/client.js'
import { EventEviction } from '../redis/eviction.js'
import { HoldStore } from '../redis/hold-store.js'
import { layoutPrefix } from '../redis/keys.js'
import type { SoldOutCache } from '../redis/sold-out.js'
import { BlockService } from './blocks.js'
import { ConfirmService } from './confirm.js'
import { EventLifecycle } from './event-lifecycle.js'
import { EventService } from './events.js'
import { HoldService } from './holds.js'
import { ReservationService } from './reservations.js'
import { ChangeStreams } from './streams.js'
import type { StreamOptions } from './streams.js'

/** Everything routes and jobs use, built once (createServices) and never changed afterwards. */
export interface Services {
  config: Config
  redis: RedisClient
  ledger: Ledger
  auth: Auth
  locks: Locks
  store: HoldStore
  /** Removes the Redis state of past events (the retention job). */
  eviction: EventEviction
  events: EventService
  /** Archiving and deleting events. */
  lifecycle: EventLifecycle
  holds: HoldService
  confirm: ConfirmService
  reservations: ReservationService
  /** Seats held back by an admin, and the release of allocations at their time. */
  blocks: BlockService
  /** The change streams of GET /v1/events/:eventId/stream (started and ended by plugins/change-streams.ts). */
  streams: ChangeStreams
  /** This app's Prometheus registry and instruments (GET /metrics). */
  metrics: Metrics
}

export interface ServiceDependencies {
  config: Config
  redis: RedisClient
  ledger: Ledger
  /** Where the services log (default: nowhere, for services built outside an app). */
  log?: FastifyBaseLogger
  /** How long a confirm may take before the reconciler settles its hold (default CONFIRM_GRACE_MS). */
  confirmGraceMs?: number
  /** Limits of GET /v1/events/:eventId/stream. */
  streams?: Partial<StreamOptions>
  /** Sold-out sections refused from memory (off when absent). */
  soldOut?: SoldOutCache
  /** Margins of the index of events with due work (tests shrink them to race it). */
  activeEvents?: ActiveEventsOptions
  /** How long a job or rebuild lock lives unless extended (default Locks': 5 s); tests shorten it to watch one lapse. */
  lockTtlMs?: number
}

/**
 * Builds the services in dependency order: each is given what it uses when it is made, so none is
 * patched afterwards. The metrics come after the store and the streams they read at scrape time, and
 * before the services that count into them (expired holds, confirm transactions).
 */
export function createServices(deps: ServiceDependencies): Services {
  const { config, redis, ledger } = deps
  const log = deps.log ?? silentLog
  const store = new HoldStore(redis, config.keyPrefix, deps.soldOut, deps.activeEvents)
  // Job and rebuild locks are per layout too: each version sweeps and rebuilds its own data.
  const locks = new Locks(redis, layoutPrefix(config.keyPrefix), deps.lockTtlMs)
  const exclusive = <T>(name: string, work: (signal: AbortSignal) => Promise<T>) => locks.run(name, work)
  const events = new EventService(ledger, store, exclusive, config.eventRetentionS * 1000)
  const eviction = new EventEviction(redis, config.keyPrefix)
  // One subscriber connection per process for every change stream.
  const streams = new ChangeStreams(
    () => createRedis(config, 'seatlock-sub'),
    config.keyPrefix,
    events,
    (eventIds, ttlMs) => store.watch(eventIds, ttlMs),
    log,
    deps.streams,
  )
  const metrics = createMetrics({
    store,
    redis,
    ledger,
    events: config.metricsEvents,
    openStreams: () => streams.size,
  })
  return {
    config,
    redis,
    ledger,
    auth: createAuth(config.adminToken),
    locks,
    store,
    eviction,
    events,
    lifecycle: new EventLifecycle(events, ledger, store, eviction, exclusive),
    // Every sweep hands out the expiries tallied since the last one: counted where they are collected.
    holds: new HoldService(events, store, ledger, config, (holds) => metrics.expired(holds)),
    confirm: new ConfirmService(
      events,
      store,
      ledger,
      new GroupCommit(ledger, {
        onTransaction: (size, outcome) => metrics.confirmTransaction(size, outcome),
      }),
      deps.confirmGraceMs,
      (stage, seconds) => metrics.confirmStage(stage, seconds),
    ),
    reservations: new ReservationService(events, store, ledger, (eventId, reservationId, error) =>
      log.warn(
        { eventId, reservationId, err: (error as Error).message },
        'cancelled in the ledger; Redis missed the return (the drift reconciler heals it)',
      ),
    ),
    blocks: new BlockService(ledger, store, events),
    streams,
    metrics,
  }
}
