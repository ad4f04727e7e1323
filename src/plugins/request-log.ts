import fp from 'fastify-plugin'
import { errorCodeOf } from '../error-handler.js'

/**
 * One log line per request, written when the answer has gone out: method, route, status, the contract's
 * error code when there is one, and the time taken. Fastify's own request logging writes two lines per
 * request ("incoming request", "request completed") and is turned off in app.ts.
 *
 * The probes (/health, /ready, /metrics) are called every few seconds by orchestrators and scrapers:
 * they are logged only when they fail, so the log shows traffic, not polling.
 */
const PROBES = new Set(['/health', '/ready', '/metrics'])

/** Whether the logger writes `level` (a logger without levels, e.g. `logger: false`, is treated as writing). */
function writes(log: { isLevelEnabled?: (level: string) => boolean }, level: string): boolean {
  return typeof log.isLevelEnabled === 'function' ? log.isLevelEnabled(level) : true
}

export const requestLogPlugin = fp(
  async (app) => {
    // The level is fixed for the process: hooks whose lines would not be written are not installed, and a
    // request on the hot path builds no line nobody reads.
    const log = app.log as { isLevelEnabled?: (level: string) => boolean }
    const info = writes(log, 'info')
    // At debug level, a line when a request has been routed too (before its body has arrived): what a
    // request that never finishes was.
    if (writes(log, 'debug')) {
      app.addHook('onRequest', (request, _reply, done) => {
        request.log.debug({ method: request.method, url: request.url }, 'request received')
        done()
      })
    }
    // Callback style: it runs on every answer, and an async hook costs a promise each time.
    app.addHook('onResponse', (request, reply, done) => {
      const status = reply.statusCode
      if (status < 500 && !info) return done()
      const route = request.routeOptions.url ?? 'unmatched'
      if (status < 500 && PROBES.has(route)) return done()
      const line = {
        method: request.method,
        url: request.url,
        route,
        status,
        code: status >= 400 ? errorCodeOf(reply) : undefined,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      }
      if (status >= 500) request.log.warn(line, 'request failed')
      else request.log.info(line, 'request')
      done()
    })
  },
  { name: 'request-log' },
)
