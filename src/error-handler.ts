import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify'
import { apiError, isApiError, RETRY_AFTER_S } from './errors.js'
import type { ApiError } from './errors.js'
import { LedgerUnavailableError } from './ledger/port.js'

/** Turns whatever was thrown into the contract's error shape. Nothing internal leaks from a 5xx. */
function normalize(error: FastifyError): ApiError {
  if (isApiError(error)) return error
  if (error instanceof LedgerUnavailableError) return apiError('LEDGER_UNAVAILABLE')
  if (error.validation) {
    const problems = error.validation.map((v) => ({
      in: error.validationContext,
      path: v.instancePath || '/',
      message: v.message ?? 'is not valid',
    }))
    return apiError(
      'INVALID_REQUEST',
      { problems },
      `Invalid ${error.validationContext}: ${problems[0]?.path} ${problems[0]?.message}`,
    )
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return apiError('PAYLOAD_TOO_LARGE')
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return apiError('UNSUPPORTED_MEDIA_TYPE')
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return apiError('INVALID_JSON')
  }
  if (error instanceof SyntaxError) return apiError('INVALID_JSON')
  const status = error.statusCode ?? 500
  if (status >= 400 && status < 500) {
    const mapped = apiError('INVALID_REQUEST', undefined, error.message)
    mapped.statusCode = status
    return mapped
  }
  return apiError('INTERNAL_ERROR')
}

/** The contract code of each error answer, for the metrics (see plugins/metrics.ts). */
const errorCodes = new WeakMap<FastifyReply, string>()

export function errorCodeOf(reply: FastifyReply): string | undefined {
  return errorCodes.get(reply)
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((raw: FastifyError, request, reply) => {
    const error = normalize(raw)
    if (error.statusCode >= 500 && error.code === 'INTERNAL_ERROR')
      request.log.error({ err: raw }, 'request failed')
    else if (error.statusCode >= 500) request.log.warn({ code: error.code }, raw.message)
    if (error.statusCode === 503) reply.header('Retry-After', String(RETRY_AFTER_S))
    errorCodes.set(reply, error.code)
    return reply.code(error.statusCode).send({
      statusCode: error.statusCode,
      code: error.code,
      error: STATUS_CODES[error.statusCode] ?? 'Error',
      message: error.message,
      ...(error.details ? { details: error.details } : {}),
    })
  })
  app.setNotFoundHandler((request, reply) => {
    const error = apiError('NOT_FOUND', undefined, `No route ${request.method} ${request.url.split('?')[0]}`)
    errorCodes.set(reply, error.code)
    return reply
      .code(404)
      .send({ statusCode: 404, code: error.code, error: 'Not Found', message: error.message })
  })
}
