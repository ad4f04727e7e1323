import Fastify, { LogController } from 'fastify'
import type { FastifyInstance, FastifyReply, FastifyServerOptions } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { clientErrorHandler, installErrorHandling } from './error-handler.js'
import { changeStreamsPlugin } from './plugins/change-streams.js'
import { corsPlugin } from './plugins/cors.js'
import { registerHolderIdentity } from './plugins/holder-identity.js'
import { registerHoldLimits } from './plugins/rate-limits.js'
import { drainPlugin } from './plugins/drain.js'
import { jobsPlugin } from './plugins/jobs.js'
import { metricsPlugin } from './plugins/metrics.js'
import { requestLogPlugin } from './plugins/request-log.js'
import { sharedSchemaCompilers } from './lib/schema-compilers.js'
import { servicesPlugin } from './plugins/services.js'
import { soldOutPlugin } from './plugins/sold-out.js'
import { layoutPrefix } from './redis/keys.js'
import type { SoldOutCache } from './redis/sold-out.js'
import { blockRoutes } from './routes/blocks.js'
import { eventRoutes } from './routes/events.js'
import { holdRoutes } from './routes/holds.js'
import { opsRoutes } from './routes/ops.js'
import { reservationRoutes } from './routes/reservations.js'
import { streamRoutes } from './routes/stream.js'
import { uiRoutes } from './routes/ui.js'
import { BlockView } from './schemas/blocks.js'
import { ErrorBody } from './schemas/common.js'
import { EventSummaryView, EventView, SeatMapView } from './schemas/events.js'
import { HoldView } from './schemas/holds.js'
import { ReservationView } from './schemas/reservations.js'
import type { ServiceDependencies, Services } from './services/container.js'
import { STREAM_DEFAULTS } from './services/streams.js'

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

export interface AppDependencies extends Omit<ServiceDependencies, 'log' | 'soldOut'> {
  logger?: FastifyServerOptions['logger']
  /** Sold-out sections refused from memory (plugins/sold-out.ts makes one when absent). */
  soldOut?: SoldOutCache
  /** Run the sweeper and reconciler (default true). */
  jobs?: boolean
  /** Bounds on slow and idle clients (default HTTP_TIMEOUTS). */
  http?: Partial<HttpTimeouts>
  /** Pause between ticks of the retention job (default 60 s). */
  retentionIntervalMs?: number
  /** Pause between reconciler passes (default 1 s). */
  reconcileIntervalMs?: number
  /** How long a rate-limit check may wait for Redis before failing open (default 100 ms). */
  limitCheckTimeoutMs?: number
  /** How long limit checks are skipped after one timed out (default 1 s). */
  limitBreakerMs?: number
}

/** Trust the nearest `hops` proxies: X-Forwarded-For's entries are read from the right, that many deep. */
function hopsTrusted(hops: number): (address: string, hop: number) => boolean {
  return (_address, hop) => hop < hops
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
    // Compiled validators and serializers are shared by identical schemas (lib/schema-compilers.ts).
    schemaController: { compilersFactory: sharedSchemaCompilers },
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
  app.addSchema(SeatMapView)
  app.addSchema(EventSummaryView)
  app.addSchema(HoldView)
  app.addSchema(ReservationView)
  app.addSchema(BlockView)

  await app.register(soldOutPlugin, { config: deps.config, soldOut: deps.soldOut })
  await app.register(servicesPlugin, {
    config: deps.config,
    redis: deps.redis,
    ledger: deps.ledger,
    confirmGraceMs: deps.confirmGraceMs,
    streams: deps.streams,
    activeEvents: deps.activeEvents,
    lockTtlMs: deps.lockTtlMs,
  })
  const services = app.services
  if (deps.config.corsOrigins.length > 0) await app.register(corsPlugin, { origins: deps.config.corsOrigins })
  await app.register(drainPlugin)
  await app.register(metricsPlugin, { metrics: services.metrics })
  await app.register(requestLogPlugin)
  await app.register(opsRoutes, { redis: services.redis, ledger: services.ledger, metrics: services.metrics })
  await app.register(eventRoutes, {
    auth: services.auth,
    events: services.events,
    lifecycle: services.lifecycle,
    adminBodyLimitBytes: deps.config.adminBodyLimitBytes,
  })
  const isAdmin = services.auth.isAdmin
  const identity = await registerHolderIdentity(app, deps.config.holderIdentity, isAdmin)
  const limits = await registerHoldLimits(app, {
    redis: deps.redis,
    namespace: `${layoutPrefix(deps.config.keyPrefix)}:rl:`,
    limits: deps.config.rateLimits,
    isAdmin,
    checkTimeoutMs: deps.limitCheckTimeoutMs,
    breakerMs: deps.limitBreakerMs,
  })
  await app.register(holdRoutes, {
    auth: services.auth,
    holds: services.holds,
    confirm: services.confirm,
    identity,
    limits,
  })
  await app.register(reservationRoutes, { auth: services.auth, reservations: services.reservations })
  await app.register(blockRoutes, {
    auth: services.auth,
    blocks: services.blocks,
    adminBodyLimitBytes: deps.config.adminBodyLimitBytes,
  })
  await app.register(changeStreamsPlugin)
  await app.register(streamRoutes, { events: services.events, streams: services.streams })
  await app.register(uiRoutes, { events: services.events })
  if (deps.jobs !== false) {
    await app.register(jobsPlugin, {
      retentionIntervalMs: deps.retentionIntervalMs,
      reconcileIntervalMs: deps.reconcileIntervalMs,
    })
  }
  return { app, services }
}
