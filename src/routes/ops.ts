import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { probe } from '../lib/probe.js'
import type { Services } from '../services/container.js'

const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
  redis: Type.Union([Type.Literal('up'), Type.Literal('down')]),
  ledger: Type.Union([Type.Literal('up'), Type.Literal('down')]),
})

export const opsRoutes: FastifyPluginAsyncTypebox<{ services: Services }> = async (app, { services }) => {
  app.get(
    '/health',
    {
      schema: {
        operationId: 'health',
        summary: 'Liveness: 200 while the process runs',
        tags: ['operations'],
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  )

  app.get(
    '/ready',
    {
      schema: {
        operationId: 'ready',
        summary: 'Readiness: 200 when Redis and the ledger answer, else 503 naming which does not',
        tags: ['operations'],
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_request, reply) => {
      const [{ up: redis }, { up: ledger }] = await Promise.all([
        probe(() => services.redis.ping()),
        probe(() => services.ledger.ping()),
      ])
      const body = {
        status: redis && ledger ? ('ready' as const) : ('unavailable' as const),
        redis: redis ? ('up' as const) : ('down' as const),
        ledger: ledger ? ('up' as const) : ('down' as const),
      }
      if (!(redis && ledger)) reply.header('Retry-After', '1')
      return reply.code(redis && ledger ? 200 : 503).send(body)
    },
  )

  app.get(
    '/metrics',
    {
      schema: {
        operationId: 'metrics',
        summary: 'Prometheus metrics (text exposition format)',
        description:
          'Hold, confirm and refusal counters (exact per instance: sum them), latency histograms, job leadership, ' +
          'and gauges read from Redis at scrape time (active holds, held seats, sweeper lag: the same on every ' +
          'instance), dependency health, and Node.js process metrics. No label carries an id.',
        tags: ['operations'],
        produces: ['text/plain'],
        response: {
          200: {
            description: 'Prometheus text format 0.0.4',
            content: { 'text/plain': { schema: Type.String() } },
          },
        },
      },
    },
    async (_request, reply) => {
      const text = await services.metrics.render()
      return reply.type(services.metrics.contentType).send(text)
    },
  )
}
