import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { BatchOutcome } from './ledger/group-commit.js'
import type { ConfirmStage } from './services/confirm.js'
import type { Ledger } from './ledger/port.js'
import { probe, PROBE_TIMEOUT_MS } from './lib/probe.js'
import type { RedisClient } from './redis/client.js'
import type { HoldStore } from './redis/hold-store.js'

/** The API operations whose answers are counted (bounded: one value per route, never an id). */
export type Operation = 'hold' | 'extend' | 'release' | 'release_holder' | 'confirm' | 'cancel'

export interface MetricsSources {
  store: HoldStore
  redis: RedisClient
  ledger: Ledger
  /** Open change streams of this process. */
  openStreams?: () => number
  /**
   * METRICS_EVENTS: the only events that get per-event series (an opt-in list keeps the number of series
   * bounded whatever the number of events; no id from a request ever becomes a label otherwise).
   */
  events?: readonly string[]
}

/** One finished API request, as the metrics plugin saw it (see plugins/metrics.ts). */
export interface ObservedResponse {
  method: string
  /** The route pattern (`/v1/events/:eventId/holds`), or 'unmatched' for a 404 with no route. */
  route: string
  operation: Operation | undefined
  statusCode: number
  /** The contract error code of an error answer. */
  code: string | undefined
  seconds: number
  /** Holds released by a bulk release (DELETE …/holders/:holder/holds). */
  released?: number
  /** True when an Idempotency-Key replayed an earlier answer (no second hold was taken). */
  replayed?: boolean
  /** The event of the request (the :eventId path parameter), for the opt-in per-event series. */
  eventId?: string
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2]

/**
 * One Prometheus registry per app instance (never the global one: tests run several apps in a process).
 *
 * Counters are exact across instances: request outcomes are counted by the instance that served the
 * request; expired holds are tallied in Redis by whichever script reclaims them and handed out once, to
 * the instance whose sweep (sweeper or expiry watcher) collects the tally. Gauges about Redis state
 * (active holds, held seats, sweeper lag) and dependency health are read at scrape time, once per scrape whatever the number of
 * gauges, and are the same on every instance (aggregate them with max, not sum).
 */
export class Metrics {
  readonly registry = new Registry()

  readonly holdsCreated: Counter
  readonly holdsReleased: Counter
  readonly holdsExpired: Counter
  readonly holdsConfirmed: Counter
  readonly reservationsCancelled: Counter
  readonly refusals: Counter<'operation' | 'code'>
  readonly requests: Counter<'method' | 'route' | 'status_code'>
  readonly holdDuration: Histogram<'status_code'>
  readonly confirmDuration: Histogram<'status_code'>
  readonly confirmStages: Histogram<'stage'>
  readonly activeHolds: Gauge<'status'>
  readonly heldSeats: Gauge
  readonly sweeperLag: Gauge
  readonly sweeperReclaimed: Counter
  readonly jobLeader: Gauge<'job'>
  readonly dependencyUp: Gauge<'dependency'>
  readonly dependencyRoundTrip: Gauge<'dependency'>
  readonly scrapeErrors: Counter<'source'>
  readonly ledgerConfirmTransactions: Counter<'outcome'>
  readonly ledgerConfirmBatchSize: Histogram
  readonly driftHealed: Counter<'kind'>
  readonly streamsOpen: Gauge
  readonly eventsActive: Gauge
  readonly sweeperLastRun: Gauge
  readonly eventHoldsCreated: Counter<'event'>
  readonly eventHoldsConfirmed: Counter<'event'>
  readonly eventRefusals: Counter<'event' | 'code'>

  private readonly leading = new Set<string>()
  private readonly perEvent: ReadonlySet<string>
  private scrape: Promise<void> | undefined

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.registry]
    const refresh = () => this.refresh()
    this.holdsCreated = new Counter({
      name: 'seatlock_holds_created_total',
      help: 'Holds taken (201 answers; idempotent replays are not counted again)',
      registers,
    })
    this.holdsReleased = new Counter({
      name: 'seatlock_holds_released_total',
      help: 'Holds released by their holder or an admin (single and bulk release)',
      registers,
    })
    this.holdsExpired = new Counter({
      name: 'seatlock_holds_expired_total',
      help: 'Holds that expired and were reclaimed (each counted once, by the instance whose sweep collected it)',
      registers,
    })
    this.holdsConfirmed = new Counter({
      name: 'seatlock_holds_confirmed_total',
      help: 'Holds confirmed into a reservation (201 answers; a retried confirm answering 200 is not counted)',
      registers,
    })
    this.reservationsCancelled = new Counter({
      name: 'seatlock_reservations_cancelled_total',
      help: 'Reservations cancelled',
      registers,
    })
    this.refusals = new Counter({
      name: 'seatlock_refusals_total',
      help: 'Error answers of hold and reservation operations, by operation and contract error code',
      labelNames: ['operation', 'code'],
      registers,
    })
    this.requests = new Counter({
      name: 'seatlock_http_requests_total',
      help: 'HTTP requests answered, by route pattern and status',
      labelNames: ['method', 'route', 'status_code'],
      registers,
    })
    this.holdDuration = new Histogram({
      name: 'seatlock_hold_duration_seconds',
      help: 'Time to answer POST /v1/events/:eventId/holds',
      labelNames: ['status_code'],
      buckets: LATENCY_BUCKETS,
      registers,
    })
    this.confirmDuration = new Histogram({
      name: 'seatlock_confirm_duration_seconds',
      help: 'Time to answer POST /v1/events/:eventId/holds/:holdId/confirm',
      labelNames: ['status_code'],
      buckets: LATENCY_BUCKETS,
      registers,
    })
    this.activeHolds = new Gauge({
      name: 'seatlock_active_holds',
      help: 'Active holds in Redis, by status (held, confirming); read from Redis at scrape time',
      labelNames: ['status'],
      registers,
      collect: refresh,
    })
    this.heldSeats = new Gauge({
      name: 'seatlock_held_seats',
      help: 'Seats and general-admission units in active holds; read from Redis at scrape time',
      registers,
      collect: refresh,
    })
    this.sweeperLag = new Gauge({
      name: 'seatlock_sweeper_lag_seconds',
      help: 'Now minus the oldest expiry not yet reclaimed (0 when nothing is overdue); read at scrape time',
      registers,
      collect: refresh,
    })
    this.sweeperReclaimed = new Counter({
      name: 'seatlock_sweeper_reclaimed_total',
      help: 'Expired holds reclaimed by the sweeper itself (the rest were reclaimed lazily by requests)',
      registers,
    })
    this.jobLeader = new Gauge({
      name: 'seatlock_job_leader',
      help: '1 while this instance holds the single-runner lock of the job',
      labelNames: ['job'],
      registers,
    })
    this.dependencyUp = new Gauge({
      name: 'seatlock_dependency_up',
      help: '1 when the dependency answered a ping within 1 s at scrape time',
      labelNames: ['dependency'],
      registers,
      collect: refresh,
    })
    this.dependencyRoundTrip = new Gauge({
      name: 'seatlock_dependency_rtt_seconds',
      help: 'Round trip of the scrape-time ping (capped at the 1 s timeout)',
      labelNames: ['dependency'],
      registers,
      collect: refresh,
    })
    this.ledgerConfirmTransactions = new Counter({
      name: 'seatlock_ledger_confirm_transactions_total',
      help:
        'Ledger transactions of the confirm group commit, by outcome: single (one confirm), batch (several, ' +
        'committed together), refused (rolled back and settled one by one), unavailable (ledger unreachable)',
      labelNames: ['outcome'],
      registers,
    })
    this.confirmStages = new Histogram({
      name: 'seatlock_confirm_stage_seconds',
      help:
        'Time a confirm spends in each of its steps: pin (the Redis script that takes the hold out of the ' +
        "buyer's hands), ledger (the group commit: waiting for the transaction in flight, then its own) and " +
        'finalise (the Redis script that marks it sold)',
      labelNames: ['stage'],
      buckets: LATENCY_BUCKETS,
      registers,
    })
    this.ledgerConfirmBatchSize = new Histogram({
      name: 'seatlock_ledger_confirm_batch_size',
      help: 'Confirms carried by one ledger transaction of the group commit',
      buckets: [1, 2, 4, 8, 16, 32, 64, 100],
      registers,
    })
    this.driftHealed = new Counter({
      name: 'seatlock_redis_drift_healed_total',
      help:
        'Differences between Redis and the ledger the drift reconciler healed: seat (a seat key set to the ' +
        "ledger's owner or freed), count (a section's sold count set to the ledger's)",
      labelNames: ['kind'],
      registers,
    })
    for (const kind of ['seat', 'count'] as const) this.driftHealed.inc({ kind }, 0)
    this.streamsOpen = new Gauge({
      name: 'seatlock_streams_open',
      help: 'Change streams (GET /v1/events/:eventId/stream) open on this instance (sum across instances)',
      registers,
      collect: () => this.streamsOpen.set(sources.openStreams?.() ?? 0),
    })
    this.eventsActive = new Gauge({
      name: 'seatlock_events_active',
      help: 'Events that can have due work (holds that may expire, pins to settle); read from Redis at scrape time',
      registers,
      collect: refresh,
    })
    this.sweeperLastRun = new Gauge({
      name: 'seatlock_sweeper_last_run_timestamp_seconds',
      help:
        'Unix time of the last expiry sweep this instance ran (as leader or standby); 0 before the first. ' +
        'time() - max() across instances is how long expiry has gone unswept',
      registers,
    })
    this.sweeperLastRun.set(0)
    this.perEvent = new Set(sources.events ?? [])
    this.eventHoldsCreated = new Counter({
      name: 'seatlock_event_holds_created_total',
      help: 'Holds taken, per event: only the events listed in METRICS_EVENTS',
      labelNames: ['event'],
      registers,
    })
    this.eventHoldsConfirmed = new Counter({
      name: 'seatlock_event_holds_confirmed_total',
      help: 'Holds confirmed, per event: only the events listed in METRICS_EVENTS',
      labelNames: ['event'],
      registers,
    })
    this.eventRefusals = new Counter({
      name: 'seatlock_event_refusals_total',
      help: 'Error answers of hold and confirm operations, per event and code: only the events in METRICS_EVENTS',
      labelNames: ['event', 'code'],
      registers,
    })
    for (const event of this.perEvent) {
      this.eventHoldsCreated.inc({ event }, 0)
      this.eventHoldsConfirmed.inc({ event }, 0)
    }
    this.scrapeErrors = new Counter({
      name: 'seatlock_metrics_scrape_errors_total',
      help: 'Scrape-time reads that failed (their gauges keep the last value read)',
      labelNames: ['source'],
      registers,
    })
    // Present from the start, so rate() and increase() see the first error.
    this.scrapeErrors.inc({ source: 'redis' }, 0)
    for (const job of ['sweeper', 'reconciler'] as const) this.jobLeader.set({ job }, 0)
    collectDefaultMetrics({ register: this.registry })
  }

  get contentType(): string {
    return this.registry.contentType
  }

  /** The registry in Prometheus text format, scrape-time gauges refreshed first. */
  async render(): Promise<string> {
    return this.registry.metrics()
  }

  observe(response: ObservedResponse): void {
    const { statusCode, operation, code } = response
    const status = String(statusCode)
    this.requests.inc({ method: response.method, route: response.route, status_code: status })
    if (operation === undefined) return
    if (code !== undefined && statusCode >= 400) this.refusals.inc({ operation, code })
    const event =
      response.eventId !== undefined && this.perEvent.has(response.eventId) ? response.eventId : undefined
    if (event !== undefined) this.observeEvent(event, response)
    switch (operation) {
      case 'hold':
        this.holdDuration.observe({ status_code: status }, response.seconds)
        if (statusCode === 201 && !response.replayed) this.holdsCreated.inc()
        break
      case 'confirm':
        this.confirmDuration.observe({ status_code: status }, response.seconds)
        if (statusCode === 201) this.holdsConfirmed.inc()
        break
      case 'release':
        if (statusCode === 204) this.holdsReleased.inc()
        break
      case 'release_holder':
        if (statusCode === 200 && response.released) this.holdsReleased.inc(response.released)
        break
      case 'cancel':
        if (statusCode === 204) this.reservationsCancelled.inc()
        break
      case 'extend':
        break
    }
  }

  /** The opt-in per-event series (METRICS_EVENTS): hold and confirm outcomes only. */
  private observeEvent(event: string, response: ObservedResponse): void {
    const { operation, statusCode, code } = response
    if (operation !== 'hold' && operation !== 'confirm') return
    if (code !== undefined && statusCode >= 400) this.eventRefusals.inc({ event, code })
    else if (operation === 'hold' && statusCode === 201 && !response.replayed)
      this.eventHoldsCreated.inc({ event })
    else if (operation === 'confirm' && statusCode === 201) this.eventHoldsConfirmed.inc({ event })
  }

  /** Called by the job runner when this instance takes or loses a job's lock. */
  leadership(job: string, leading: boolean): void {
    if (leading) this.leading.add(job)
    else this.leading.delete(job)
    this.jobLeader.set({ job }, leading ? 1 : 0)
  }

  isLeader(job: string): boolean {
    return this.leading.has(job)
  }

  /** Called after each sweep: the leader's ticks, and a standby's while the leader's beat has lapsed. */
  swept(report: { reclaimed: number }): void {
    this.sweeperLastRun.set(Date.now() / 1000)
    if (report.reclaimed > 0) this.sweeperReclaimed.inc(report.reclaimed)
  }

  /** Holds expired since the last sweep, from any sweep's tally (HoldStore.sweep), counted once. */
  expired(holds: number): void {
    if (holds > 0) this.holdsExpired.inc(holds)
  }

  /** What one drift reconciliation of one event healed (jobs/drift.ts). */
  healed(report: { seats: number; counts: number }): void {
    if (report.seats > 0) this.driftHealed.inc({ kind: 'seat' }, report.seats)
    if (report.counts > 0) this.driftHealed.inc({ kind: 'count' }, report.counts)
  }

  /** How long one step of a confirm took (services/confirm.ts). */
  confirmStage(stage: ConfirmStage, seconds: number): void {
    this.confirmStages.observe({ stage }, seconds)
  }

  /** One ledger transaction of the confirm group commit (ledger/group-commit.ts). */
  confirmTransaction(size: number, outcome: BatchOutcome): void {
    this.ledgerConfirmTransactions.inc({ outcome })
    this.ledgerConfirmBatchSize.observe(size)
  }

  /** One read of Redis state and one ping of each dependency per scrape, shared by every gauge that needs it. */
  private refresh(): Promise<void> {
    this.scrape ??= this.read().finally(() => {
      this.scrape = undefined
    })
    return this.scrape
  }

  private async read(): Promise<void> {
    const { redis, ledger } = this.sources
    const [redisProbe, ledgerProbe] = await Promise.all([
      probe(() => redis.ping()),
      probe(() => ledger.ping()),
      this.readStore(),
    ])
    this.dependencyUp.set({ dependency: 'redis' }, redisProbe.up ? 1 : 0)
    this.dependencyUp.set({ dependency: 'ledger' }, ledgerProbe.up ? 1 : 0)
    this.dependencyRoundTrip.set({ dependency: 'redis' }, redisProbe.seconds)
    this.dependencyRoundTrip.set({ dependency: 'ledger' }, ledgerProbe.seconds)
  }

  private async readStore(): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    try {
      const activity = await Promise.race([
        this.sources.store.activity(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), PROBE_TIMEOUT_MS)
        }),
      ])
      this.eventsActive.set(activity.events)
      this.activeHolds.set({ status: 'held' }, activity.held)
      this.activeHolds.set({ status: 'confirming' }, activity.confirming)
      this.heldSeats.set(activity.units)
      const lagMs = activity.oldestExpiry === null ? 0 : Math.max(0, activity.now - activity.oldestExpiry)
      this.sweeperLag.set(lagMs / 1000)
    } catch {
      this.scrapeErrors.inc({ source: 'redis' })
    } finally {
      clearTimeout(timer)
    }
  }
}

export function createMetrics(sources: MetricsSources): Metrics {
  return new Metrics(sources)
}
