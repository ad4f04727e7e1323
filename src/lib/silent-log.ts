import type { FastifyBaseLogger } from 'fastify'

const ignore = () => undefined

/** A logger that writes nothing: for services built outside an app (benchmark set-up, scripts). */
export const silentLog: FastifyBaseLogger = {
  level: 'silent',
  fatal: ignore,
  error: ignore,
  warn: ignore,
  info: ignore,
  debug: ignore,
  trace: ignore,
  silent: ignore,
  child: () => silentLog,
}
