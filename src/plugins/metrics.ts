import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { errorCodeOf } from '../error-handler.js'
import type { Metrics, Operation } from '../metrics.js'

declare module 'fastify' {
  interface FastifyReply {
    /** Holds freed by a bulk release (DELETE …/holders/:holder/holds), for the released counter. */
    releasedHolds: number | undefined
  }
}

/** The routes whose outcomes are counted, by method and route pattern. */
const OPERATIONS: Record<string, Operation> = {
  'POST /v1/events/:eventId/holds': 'hold',
  'POST /v1/events/:eventId/holds/:holdId/extend': 'extend',
  'DELETE /v1/events/:eventId/holds/:holdId': 'release',
  'DELETE /v1/events/:eventId/holders/:holder/holds': 'release_holder',
  'POST /v1/events/:eventId/holds/:holdId/confirm': 'confirm',
  'DELETE /v1/events/:eventId/reservations/:reservationId': 'cancel',
}

function eventIdOf(request: FastifyRequest): string | undefined {
  const params = request.params as Record<string, unknown> | undefined
  const id = params?.eventId
  return typeof id === 'string' ? id : undefined
}

function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched'
}

/**
 * Counts every answer on the instance that served it (onResponse: after the reply is sent, with its
 * status and, for errors, the contract code the error handler chose) and times holds and confirms.
 */
export const metricsPlugin = fp<{ metrics: Metrics }>(
  async (app, { metrics }) => {
    // A bulk release records how many holds it freed here (see routes/holds.ts).
    app.decorateReply('releasedHolds', undefined)

    // Callback style: it runs on every answer, and an async hook costs a promise each time.
    app.addHook('onResponse', (request, reply, done) => {
      try {
        observe(request, reply)
      } catch (error) {
        request.log.warn({ err: (error as Error).message }, 'metrics: could not record an answer')
      }
      done()
    })
    const observe = (request: FastifyRequest, reply: FastifyReply) => {
      const route = routeOf(request)
      metrics.observe({
        method: request.method,
        route,
        operation: OPERATIONS[`${request.method} ${route}`],
        statusCode: reply.statusCode,
        code: errorCodeOf(reply),
        seconds: reply.elapsedTime / 1000,
        released: reply.releasedHolds,
        replayed: reply.getHeader('idempotent-replayed') === 'true',
        eventId: eventIdOf(request),
      })
    }
  },
  { name: 'seatlock-metrics' },
)
