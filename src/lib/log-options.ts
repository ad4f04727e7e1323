import { createRequire } from 'node:module'
import type { FastifyServerOptions } from 'fastify'

/**
 * How the service logs: JSON lines (pino) for log collectors, in production and whenever the output is
 * not a terminal; readable lines (pino-pretty, a development dependency) when a person runs it in a
 * terminal outside production. Without pino-pretty installed it stays JSON.
 */
export function loggerOptions(
  level: string,
  production: boolean,
  terminal: boolean = process.stdout.isTTY === true,
): FastifyServerOptions['logger'] {
  if (production || !terminal || !prettyInstalled()) return { level }
  return {
    level,
    transport: {
      target: 'pino-pretty',
      options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true },
    },
  }
}

function prettyInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty')
    return true
  } catch {
    return false
  }
}
