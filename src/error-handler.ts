import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { ConnectionError, FastifyError, FastifyInstance, FastifyReply } from 'fastify'
import { apiError, isApiError, RETRY_AFTER_S } from './errors.js'
import type { ApiError } from './errors.js'
import { LedgerUnavailableError } from './ledger/port.js'
import { RedisUnavailableError } from './redis/store-errors.js'

/** Turns whatever was thrown into the contract's error shape. Nothing internal leaks from a 5xx. */
function normalize(error: FastifyError): ApiError {
  if (isApiError(error)) return error
  if (error instanceof LedgerUnavailableError) return apiError('LEDGER_UNAVAILABLE')
  if (error instanceof RedisUnavailableError) return apiError('REDIS_UNAVAILABLE')
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
    else if (error.statusCode === 429)
      reply.header('Retry-After', String(Math.max(1, error.retryAfterS ?? 1)))
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

/**
 * How long a connection refused by clientErrorHandler may go on sending before it is destroyed. Closing a
 * socket with unread input makes the kernel send a reset, and a reset can discard the answer the client has
 * not read yet: so the answer goes out with a FIN and the rest of the input is read (and dropped) meanwhile.
 */
const LINGER_MS = 2_000

/** Sockets clientErrorHandler has dealt with: the parser reports its error again for every later chunk. */
const refused = new WeakSet<Socket>()

/** The response Node is sending on a socket (`socket._httpMessage`, not in the typings). */
interface Outgoing {
  headersSent: boolean
  req: { complete: boolean }
  once(event: 'finish', listener: () => void): unknown
}

function outgoingOf(socket: Socket): Outgoing | undefined {
  return (socket as Socket & { _httpMessage?: Outgoing | null })._httpMessage ?? undefined
}

function clientError(error: ConnectionError): ApiError {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return apiError('REQUEST_TIMEOUT')
    case 'HPE_HEADER_OVERFLOW':
      return apiError('HEADERS_TOO_LARGE')
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return apiError('PAYLOAD_TOO_LARGE', undefined, 'The chunk extensions of the body are too large')
    default:
      return apiError('MALFORMED_REQUEST')
  }
}

/**
 * Fastify's `clientErrorHandler`: what never became a request has no reply to answer through. Node's HTTP
 * server reports it on the socket ('clientError'): a request the parser refuses (malformed request line or
 * header, headers over the size limit, a broken chunked body) or one not received within headersTimeout /
 * requestTimeout (see HTTP_TIMEOUTS in app.ts). The answer is written on the socket in the contract's
 * error shape, with `Connection: close`, and the connection ends.
 */
export function clientErrorHandler(this: FastifyInstance, error: ConnectionError, socket: Socket): void {
  if (refused.has(socket)) return
  refused.add(socket)
  if (error.code === 'ECONNRESET' || socket.destroyed) {
    socket.destroy()
    return
  }
  const timeout = error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
  // Not a byte received: an idle pre-opened connection, not a request. Closed silently, like an idle
  // keep-alive one; a 408 would only be read as the answer to whatever the client sends next.
  if (timeout && socket.bytesRead === 0) {
    socket.destroy()
    return
  }
  const answer = clientError(error)
  this.log.debug({ code: answer.code, reason: error.code }, 'client error')
  sendAfterPending(socket, answer, timeout)
}

function sendAfterPending(socket: Socket, answer: ApiError, timeout: boolean): void {
  if (socket.destroyed) return
  const pending = outgoingOf(socket)
  if (pending?.req.complete) {
    // The refused bytes came after a complete request (a pipeline, or behind a change stream) whose answer
    // is under way: ours goes after it, and after any queued behind it, never into the middle of one.
    pending.once('finish', () => sendAfterPending(socket, answer, timeout))
    return
  }
  // The answer to the refused request itself has begun (a body that broke after the route answered):
  // nothing can be added to it.
  if (!socket.writable || pending?.headersSent) {
    socket.destroy()
    return
  }
  const status = answer.statusCode
  const reason = STATUS_CODES[status] ?? 'Error'
  const body = JSON.stringify({
    statusCode: status,
    code: answer.code,
    error: reason,
    message: answer.message,
  })
  const response =
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  if (timeout) {
    // The parser still works: were the rest of the request to arrive it would be served on an ended
    // socket. Nothing is left unread (the client is slow), so close as soon as the answer is out.
    socket.end(response, () => socket.destroy())
    return
  }
  // The parser refuses everything from now on; read what is still coming until the client closes.
  socket.end(response)
  const linger = setTimeout(() => socket.destroy(), LINGER_MS)
  linger.unref()
  socket.once('close', () => clearTimeout(linger))
  socket.once('end', () => socket.destroy())
}
