import cors from '@fastify/cors'
import fp from 'fastify-plugin'

/**
 * Cross-origin access for browser front-ends (CORS_ORIGINS), off unless configured. Preflights are
 * answered for the API's methods and the headers clients send (the hold token, idempotency keys, the
 * admin bearer); the headers a client needs to read (Location of a new hold, Retry-After of a 503 or 429)
 * are exposed. The change stream is a GET without custom headers, so EventSource works cross-origin too.
 */
export const corsPlugin = fp<{ origins: string[] }>(
  async (app, { origins }) => {
    await app.register(cors, {
      origin: origins.includes('*') ? '*' : origins,
      methods: ['GET', 'POST', 'DELETE'],
      allowedHeaders: ['content-type', 'authorization', 'hold-token', 'idempotency-key', 'last-event-id'],
      exposedHeaders: ['location', 'retry-after'],
      maxAge: 600,
    })
  },
  { name: 'cors' },
)
