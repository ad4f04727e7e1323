import Fastify from 'fastify'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config } from './config.js'
import { installErrorHandling } from './error-handler.js'
import { createJobs } from './jobs/index.js'
import type { Ledger } from './ledger/port.js'
import { createAuth } from './lib/auth.js'
import { Locks } from './lib/locks.js'
import type { RedisClient } from './redis/client.js'
import { HoldStore } from './redis/hold-store.js'
import { eventRoutes } from './routes/events.js'
import { holdRoutes } from './routes/holds.js'
import { opsRoutes } from './routes/ops.js'
import { reservationRoutes } from './routes/reservations.js'
import { ErrorBody } from './schemas/common.js'
import { EventView } from './schemas/events.js'
import { HoldView } from './schemas/holds.js'
import { ReservationView } from './schemas/reservations.js'
import { ConfirmService } from './services/confirm.js'
import type { Services } from './services/container.js'
import { EventService } from './services/events.js'
import { HoldService } from './services/holds.js'
import { ReservationService } from './services/reservations.js'

export const BODY_LIMIT = 64 * 1024

export interface AppDependencies {
  config: Config
  redis: RedisClient
  ledger: Ledger
  logger?: FastifyServerOptions['logger']
  /** How long a confirm may take before the reconciler settles its hold (default CONFIRM_GRACE_MS). */
  confirmGraceMs?: number
  /** Run the sweeper and reconciler (default true). */
  jobs?: boolean
}

export function createServices(deps: AppDependencies): Services {
  const { config, redis, ledger } = deps
  const store = new HoldStore(redis, config.keyPrefix)
  const locks = new Locks(redis, config.keyPrefix)
  const events = new EventService(ledger, store, (name, work) => locks.run(name, work))
  return {
    config,
    redis,
    ledger,
    auth: createAuth(config.adminToken),
    locks,
    store,
    events,
    holds: new HoldService(events, store, ledger, config),
    confirm: new ConfirmService(events, store, ledger, deps.confirmGraceMs),
    reservations: new ReservationService(events, store, ledger),
  }
}

/** The HTTP application: plugins, schemas, routes and error handling. Connections are made by the caller. */
export async function buildApp(deps: AppDependencies): Promise<{ app: FastifyInstance; services: Services }> {
  const app = Fastify({
    logger: deps.logger ?? { level: deps.config.logLevel },
    bodyLimit: BODY_LIMIT,
    routerOptions: { maxParamLength: 1024 },
    forceCloseConnections: 'idle',
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
        },
      },
    },
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })

  app.addSchema(ErrorBody)
  app.addSchema(EventView)
  app.addSchema(HoldView)
  app.addSchema(ReservationView)

  const services = createServices(deps)
  await app.register(opsRoutes, { services })
  await app.register(eventRoutes, { services })
  await app.register(holdRoutes, { services })
  await app.register(reservationRoutes, { services })

  if (deps.jobs !== false) {
    const jobs = createJobs(services, app.log)
    app.addHook('onReady', async () => jobs.forEach((job) => job.start()))
    app.addHook('onClose', async () => {
      await Promise.all(jobs.map((job) => job.stop()))
    })
  }
  return { app, services }
}
