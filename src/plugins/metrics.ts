import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { errorCodeOf } from '../error-handler.js'
import type { Metrics, Operation } from '../metrics.js'

/** The routes whose outcomes are counted, by method and route pattern. */
const OPERATIONS: Record<string, Operation> = {
  'POST /v1/events/:eventId/holds': 'hold',
  'POST /v1/events/:eventId/holds/:holdId/extend': 'extend',
  'DELETE /v1/events/:eventId/holds/:holdId': 'release',
  'DELETE /v1/events/:eventId/holders/:holder/holds': 'release_holder',
  'POST /v1/events/:eventId/holds/:holdId/confirm': 'confirm',
  'DELETE /v1/events/:eventId/reservations/:reservationId': 'cancel',
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
    // How many holds a bulk release freed is only in its body.
    const released = new WeakMap<FastifyReply, number>()
    app.addHook('onSend', async (request, reply, payload) => {
      if (
        reply.statusCode === 200 &&
        typeof payload === 'string' &&
        OPERATIONS[`${request.method} ${routeOf(request)}`] === 'release_holder'
      ) {
        try {
          const count = (JSON.parse(payload) as { released?: unknown }).released
          if (typeof count === 'number') released.set(reply, count)
        } catch {
          // not the documented body: nothing to count
        }
      }
      return payload
    })

    app.addHook('onResponse', async (request, reply) => {
      const route = routeOf(request)
      metrics.observe({
        method: request.method,
        route,
        operation: OPERATIONS[`${request.method} ${route}`],
        statusCode: reply.statusCode,
        code: errorCodeOf(reply),
        seconds: reply.elapsedTime / 1000,
        released: released.get(reply),
        replayed: reply.getHeader('idempotent-replayed') === 'true',
      })
    })
  },
  { name: 'seatlock-metrics' },
)
