import Fastify, { LogController } from 'fastify'
import type { FastifyInstance, FastifyReply, FastifyServerOptions } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from './config.js'
import { clientErrorHandler, installErrorHandling } from './error-handler.js'
import { createJobs } from './jobs/index.js'
import { GroupCommit } from './ledger/group-commit.js'
import type { Ledger } from './ledger/port.js'
import { createAuth } from './lib/auth.js'
import { Locks } from './lib/locks.js'
import { createMetrics } from './metrics.js'
import type { Metrics } from './metrics.js'
import { corsPlugin } from './plugins/cors.js'
import { registerHolderIdentity } from './plugins/holder-identity.js'
import { registerHoldLimits } from './plugins/rate-limits.js'
import { drainPlugin } from './plugins/drain.js'
import { metricsPlugin } from './plugins/metrics.js'
import { requestLogPlugin } from './plugins/request-log.js'
import { createRedis } from './redis/client.js'
import type { RedisClient } from './redis/client.js'
import type { ActiveEventsOptions } from './redis/active-events.js'
import { EventEviction } from './redis/eviction.js'
import { HoldStore } from './redis/hold-store.js'
import { SoldOutCache } from './redis/sold-out.js'
import { layoutPrefix } from './redis/keys.js'
import { eventRoutes } from './routes/events.js'
import { holdRoutes } from './routes/holds.js'
import { opsRoutes } from './routes/ops.js'
import { reservationRoutes } from './routes/reservations.js'
import { streamRoutes } from './routes/stream.js'
import { ErrorBody } from './schemas/common.js'
import { EventView } from './schemas/events.js'
import { HoldView } from './schemas/holds.js'
import { ReservationView } from './schemas/reservations.js'
import { ConfirmService } from './services/confirm.js'
import type { Services } from './services/container.js'
import { EventService } from './services/events.js'
import { HoldService } from './services/holds.js'
import { ReservationService } from './services/reservations.js'
import { ChangeStreams, STREAM_DEFAULTS } from './services/streams.js'
import type { StreamOptions } from './services/streams.js'

export const BODY_LIMIT = 64 * 1024

/** Bounds on slow and idle clients, enforced by Node's HTTP server. Answers go through clientErrorHandler. */
export interface HttpTimeouts {
  /** A connection's request headers must be complete this long after it opened or the request began. */
  headersTimeoutMs: number
  /** The whole request, body included, must have arrived this long after it began. */
  requestTimeoutMs: number
  /** How often the two bounds above are checked: a slow client is cut off up to this much later. */
  checkIntervalMs: number
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number
  /** A connection with no traffic either way for this long is closed (a client that stopped reading). */
  idleTimeoutMs: number
}

/**
 * A rush is 1,000s of connections at once, each sending its few hundred bytes of headers in one packet:
 * accepted and parsed in well under a second even on 2 cores, so 10 s leaves room for slow mobile links
 * (several retransmissions) while a slowloris holds a connection 10-11 s instead of forever. A body is at
 * most 64 KiB: 30 s is ~17 kbit/s. Keep-alive stays above load balancers' idle timeouts (60 s on AWS ALB),
 * so they, not we, close idle connections and never send a request on one we are closing. The idle bound
 * must exceed the change streams' heartbeat (15 s), which keeps a stream from ever being idle.
 */
export const HTTP_TIMEOUTS: HttpTimeouts = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  checkIntervalMs: 1_000,
  keepAliveTimeoutMs: 72_000,
  idleTimeoutMs: 60_000,
}

export interface AppDependencies {
  config: Config
  redis: RedisClient
  ledger: Ledger
  logger?: FastifyServerOptions['logger']
  /** How long a confirm may take before the reconciler settles its hold (default CONFIRM_GRACE_MS). */
  confirmGraceMs?: number
  /** Run the sweeper and reconciler (default true). */
  jobs?: boolean
  /** Limits of GET /v1/events/:eventId/stream. */
  streams?: Partial<StreamOptions>
  /** Sold-out sections refused from memory (buildApp makes one; off when absent). */
  soldOut?: SoldOutCache
  /** Bounds on slow and idle clients (default HTTP_TIMEOUTS). */
  http?: Partial<HttpTimeouts>
  /** Pause between ticks of the retention job (default 60 s). */
  retentionIntervalMs?: number
  /** Pause between reconciler passes (default 1 s). */
  reconcileIntervalMs?: number
  /** Margins of the index of events with due work (tests shrink them to race it). */
  activeEvents?: ActiveEventsOptions
  /** How long a job or rebuild lock lives unless extended (default Locks': 5 s); tests shorten it to watch one lapse. */
  lockTtlMs?: number
}

/** Trust the nearest `hops` proxies: X-Forwarded-For's entries are read from the right, that many deep. */
function hopsTrusted(hops: number): (address: string, hop: number) => boolean {
  return (_address, hop) => hop < hops
}

export function createServices(deps: AppDependencies): Services {
  const { config, redis, ledger } = deps
  // Every sweep hands out the expiries tallied since the last one: counted where they are collected.
  const metrics: { current?: Metrics } = {}
  const store = new HoldStore(
    redis,
    config.keyPrefix,
    (holds) => metrics.current?.expired(holds),
    deps.soldOut,
    deps.activeEvents,
  )
  // Job and rebuild locks are per layout too: each version sweeps and rebuilds its own data.
  const locks = new Locks(redis, layoutPrefix(config.keyPrefix), deps.lockTtlMs)
  const events = new EventService(
    ledger,
    store,
    (name, work) => locks.run(name, work),
    config.eventRetentionS * 1000,
  )
  const services: Services = {
    config,
    redis,
    ledger,
    auth: createAuth(config.adminToken),
    locks,
    store,
    eviction: new EventEviction(redis, config.keyPrefix),
    events,
    holds: new HoldService(events, store, ledger, config),
    confirm: new ConfirmService(
      events,
      store,
      ledger,
      new GroupCommit(ledger, {
        onTransaction: (size, outcome) => metrics.current?.confirmTransaction(size, outcome),
      }),
      deps.confirmGraceMs,
    ),
    reservations: new ReservationService(events, store, ledger),
    metrics: (metrics.current = createMetrics({
      store,
      redis,
      ledger,
      events: config.metricsEvents,
      openStreams: () => services.streams?.size ?? 0,
    })),
  }
  return services
}

/** The HTTP application: plugins, schemas, routes and error handling. Connections are made by the caller. */
export async function buildApp(deps: AppDependencies): Promise<{ app: FastifyInstance; services: Services }> {
  const timeouts = { ...HTTP_TIMEOUTS, ...deps.http }
  const heartbeatMs = deps.streams?.heartbeatMs ?? STREAM_DEFAULTS.heartbeatMs
  if (heartbeatMs >= timeouts.idleTimeoutMs) {
    // Each heartbeat is what keeps a quiet change stream from being closed as idle.
    throw new Error(`the stream heartbeat (${heartbeatMs} ms) must be shorter than the idle timeout`)
  }
  const app = Fastify({
    // Malformed URLs and over-long path parameters never reach a route: answer them in the contract's shape.
    frameworkErrors: (_error, _request, reply) => {
      void (reply as FastifyReply).code(400).send({
        statusCode: 400,
        code: 'INVALID_REQUEST',
        error: 'Bad Request',
        message: 'The URL is not valid',
      })
    },
    logger: deps.logger ?? { level: deps.config.logLevel },
    // One line per request, written by plugins/request-log.ts (probes only when they fail).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    routerOptions: { maxParamLength: 1024 },
    forceCloseConnections: 'idle',
    // Node applies headersTimeout and requestTimeout while a request is being received, never to the
    // answer: a change stream (its GET complete) outlives them. Fastify would set requestTimeout to 0 (off).
    http: {
      headersTimeout: timeouts.headersTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      connectionsCheckingInterval: timeouts.checkIntervalMs,
    },
    requestTimeout: timeouts.requestTimeoutMs,
    keepAliveTimeout: timeouts.keepAliveTimeoutMs,
    connectionTimeout: timeouts.idleTimeoutMs,
    // 408, 431 and unparseable requests: answered in the contract's shape.
    clientErrorHandler,
    // While closing, requests already on an open connection are served (with Connection: close; see
    // plugins/drain.ts) rather than refused with a body outside the contract's error shape.
    return503OnClosing: false,
    // TRUST_PROXY: which X-Forwarded-For hops give request.ip, the address the rate limits count.
    // A hop count is given as the function Fastify would make of it (its typings take no number).
    trustProxy:
      typeof deps.config.trustProxy === 'number'
        ? hopsTrusted(deps.config.trustProxy)
        : deps.config.trustProxy,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>()

  // An empty body on a route whose body is optional (confirm) is "no body", not malformed JSON.
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined)
    return parseJson(request, body as string, done)
  })

  installErrorHandling(app)

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'seatlock',
        version: '0.1.0',
        description:
          'Seat holds in Redis; sales decided by a transactional ledger. Errors: {statusCode, code, error, message, details}.',
      },
      components: {
        securitySchemes: {
          admin: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' },
          holdToken: {
            type: 'apiKey',
            in: 'header',
            name: 'Hold-Token',
            description: 'The token returned when the hold was created',
          },
          ...(deps.config.holderIdentity
            ? {
                holderIdentity: {
                  type: 'http',
                  scheme: 'bearer',
                  bearerFormat: 'JWT',
                  description:
                    "The buyer's identity token (HOLDER_JWT_SECRET or HOLDER_JWKS_URL): its `sub` is the holder",
                },
              }
            : {}),
        },
      },
    },
    // Shared schemas appear under their $id (Hold, Event, Reservation, Error), not def-0, def-1...:
    // generated clients take their type names from these.
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })

  app.addSchema(ErrorBody)
  app.addSchema(EventView)
  app.addSchema(HoldView)
  app.addSchema(ReservationView)

  // Its own subscriber connection: it must hear every "units are back" the moment it is published.
  const soldOut =
    deps.soldOut ?? new SoldOutCache(createRedis(deps.config, 'seatlock-soldout'), deps.config.keyPrefix)
  app.addHook('onReady', () => soldOut.start())
  app.addHook('onClose', async () => soldOut.close())
  const services = createServices({ ...deps, soldOut })
  services.reservations.onReturnFailed = (eventId, reservationId, error) =>
    app.log.warn(
      { eventId, reservationId, err: (error as Error).message },
      'cancelled in the ledger; Redis missed the return (the drift reconciler heals it)',
    )
  app.addHook('onClose', async () => services.holds.abandoned.close())
  if (deps.config.corsOrigins.length > 0) await app.register(corsPlugin, { origins: deps.config.corsOrigins })
  await app.register(drainPlugin)
  await app.register(metricsPlugin, { metrics: services.metrics })
  await app.register(requestLogPlugin)
  await app.register(opsRoutes, { services })
  await app.register(eventRoutes, { services })
  const isAdmin = services.auth.isAdmin
  const identity = await registerHolderIdentity(app, deps.config.holderIdentity, isAdmin)
  const limits = await registerHoldLimits(app, {
    redis: deps.redis,
    namespace: `${layoutPrefix(deps.config.keyPrefix)}:rl:`,
    limits: deps.config.rateLimits,
    isAdmin,
  })
  await app.register(holdRoutes, { services, identity, limits })
  await app.register(reservationRoutes, { services })

  // One subscriber connection per process for every change stream; streams end before the server closes.
  const streams = new ChangeStreams(
    () => createRedis(deps.config, 'seatlock-sub'),
    deps.config.keyPrefix,
    services.events,
    (eventIds, ttlMs) => services.store.watch(eventIds, ttlMs),
    app.log,
    deps.streams,
  )
  services.streams = streams
  await app.register(streamRoutes, { services, streams })
  app.addHook('onReady', () => streams.start())
  // The watched marks live in Redis, which may have come back empty: renew them first thing on reconnection.
  // The index of events with due work may be gone too: each event's next create registers it again.
  const renewMarks = () => {
    services.store.active.reset()
    void streams.renewMarks()
  }
  deps.redis.on('ready', renewMarks)
  app.addHook('onClose', async () => void deps.redis.off('ready', renewMarks))
  app.addHook('preClose', () => streams.endAll())
  app.addHook('onClose', () => streams.close())

  if (deps.jobs !== false) {
    const jobs = createJobs(
      services,
      app.log,
      {
        onSweep: (report) => services.metrics.swept(report),
        onLeadership: (job, leading) => services.metrics.leadership(job, leading),
        onDrift: (_eventId, report) => services.metrics.healed(report),
      },
      { retentionIntervalMs: deps.retentionIntervalMs, reconcileIntervalMs: deps.reconcileIntervalMs },
    )
    app.addHook('onReady', async () => jobs.forEach((job) => job.start()))
    app.addHook('onClose', async () => {
      await Promise.all(jobs.map((job) => job.stop()))
    })
  }
  return { app, services }
}
