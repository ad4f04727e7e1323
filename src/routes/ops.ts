import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { probe } from '../lib/probe.js'
import type { Services } from '../services/container.js'

const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
  redis: Type.Union([Type.Literal('up'), Type.Literal('down')]),
  ledger: Type.Union([Type.Literal('up'), Type.Literal('down')]),
})

/** What the operations routes use: the two dependencies they probe and the metrics they render. */
export type OpsRouteOptions = Pick<Services, 'redis' | 'ledger' | 'metrics'>

export const opsRoutes: FastifyPluginAsyncTypebox<OpsRouteOptions> = async (
  app,
  { redis, ledger, metrics },
) => {
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
      const [{ up: redisUp }, { up: ledgerUp }] = await Promise.all([
        probe(() => redis.ping()),
        probe(() => ledger.ping()),
      ])
      const body = {
        status: redisUp && ledgerUp ? ('ready' as const) : ('unavailable' as const),
        redis: redisUp ? ('up' as const) : ('down' as const),
        ledger: ledgerUp ? ('up' as const) : ('down' as const),
      }
      if (!(redisUp && ledgerUp)) reply.header('Retry-After', '1')
      return reply.code(redisUp && ledgerUp ? 200 : 503).send(body)
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
      const text = await metrics.render()
      return reply.type(metrics.contentType).send(text)
    },
  )
}
