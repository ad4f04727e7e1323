import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Services } from '../services/container.js'

const PROBE_TIMEOUT_MS = 1000

async function answers(probe: () => Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), PROBE_TIMEOUT_MS)
      }),
    ])
    return true
  } catch {
    return false
  } finally {
    clearTimeout(timer)
  }
}

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
        summary: 'Readiness: 200 when Redis and the ledger answer, else 503 naming which does not',
        tags: ['operations'],
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_request, reply) => {
      const [redis, ledger] = await Promise.all([
        answers(() => services.redis.ping()),
        answers(() => services.ledger.ping()),
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
}
