/**
 * The HTTP layer under the routes, over real sockets: slow and idle clients are cut off within their bounds
 * (small ones, injected), whatever Node's parser refuses is answered in the contract's error shape, and a
 * change stream outlives every bound.
 */
import { STATUS_CODES } from 'node:http'
import { connect } from 'node:net'
import { performance } from 'node:perf_hooks'
import t from 'tap'
import type { Test } from 'tap'
import { buildApp } from '../src/app.js'
import type { AppDependencies, HttpTimeouts } from '../src/app.js'
import type { Ledger } from '../src/ledger/port.js'
import { createRedis } from '../src/redis/client.js'
import { createEvent, startApp, testConfig } from './helpers/app.js'
import type { TestApp } from './helpers/app.js'
import { openLedger, postgresTarget } from './helpers/ledgers.js'
import { eventually } from './helpers/eventually.js'
import { StreamClient } from './helpers/stream.js'

/** Bounds small enough for a test, each distinct so a close can be told apart by when it came. */
const BOUNDS: HttpTimeouts = {
  headersTimeoutMs: 400,
  requestTimeoutMs: 1_000,
  checkIntervalMs: 50,
  keepAliveTimeoutMs: 700,
  idleTimeoutMs: 1_500,
}
/** How much later than its bound a close may come on a loaded machine before the test calls it a failure. */
const SLACK_MS = 3_000
/** Timers fire on the server's clock, the client measures on its own: a close is never this much early. */
const EARLY_MS = 25

interface Exchange {
  /** Everything the server sent, as text. */
  text: string
  /** From connecting until the server closed the connection. */
  closedAfterMs: number
  /** From connecting until the first byte from the server (undefined when none came). */
  firstByteAfterMs: number | undefined
}

interface ExchangeOptions {
  /** Written as soon as the connection is open. */
  send?: (string | Buffer)[]
  /** Then written again and again at this interval: a slow client that never finishes. */
  trickle?: { chunk: string; everyMs: number }
  /** The server must have closed the connection by then. */
  deadlineMs: number
}

/** A raw TCP client: writes what it is given and records what comes back until the server closes. */
function exchange(port: number, options: ExchangeOptions): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const received: Buffer[] = []
    let firstByteAfterMs: number | undefined
    let trickle: NodeJS.Timeout | undefined
    const socket = connect({ port, host: '127.0.0.1' })
    const text = () => Buffer.concat(received).toString('latin1')
    const deadline = setTimeout(() => {
      clearInterval(trickle)
      socket.destroy()
      reject(
        new Error(
          `the server kept the connection open for ${options.deadlineMs} ms; ` +
            `it sent ${JSON.stringify(text().slice(0, 300))}`,
        ),
      )
    }, options.deadlineMs)
    socket.on('connect', () => {
      for (const chunk of options.send ?? []) socket.write(chunk)
      if (options.trickle) {
        const { chunk, everyMs } = options.trickle
        trickle = setInterval(() => socket.write(chunk), everyMs)
      }
    })
    socket.on('data', (chunk: Buffer) => {
      firstByteAfterMs ??= performance.now() - started
      received.push(chunk)
    })
    // A write after the server closed, or a reset: what matters is what came back and when it closed.
    socket.on('error', () => undefined)
    socket.on('close', () => {
      clearTimeout(deadline)
      clearInterval(trickle)
      resolve({ text: text(), closedAfterMs: performance.now() - started, firstByteAfterMs })
    })
  })
}

interface RawResponse {
  status: number
  headers: Record<string, string>
  bodyText: string
  // Assertions check the shape.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any
}

function parseResponse(text: string): RawResponse {
  const end = text.indexOf('\r\n\r\n')
  if (end < 0) return { status: 0, headers: {}, bodyText: text, body: undefined }
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n')
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  const bodyText = text.slice(end + 4)
  let body: unknown
  try {
    body = JSON.parse(bodyText)
  } catch {
    body = undefined
  }
  return { status: Number(statusLine.split(' ')[1]), headers, bodyText, body }
}

/** The answer is the contract's error, alone on the connection, which the server then closed. */
function assertContractError(t: Test, what: string, got: Exchange, status: number, code: string): void {
  const res = parseResponse(got.text)
  t.equal(res.status, status, `${what}: ${status} (got ${JSON.stringify(got.text.slice(0, 200))})`)
  t.match(res.headers['content-type'], /^application\/json/, `${what}: JSON`)
  t.equal(res.headers.connection, 'close', `${what}: Connection: close`)
  t.equal(Number(res.headers['content-length']), Buffer.byteLength(res.bodyText), `${what}: whole body`)
  t.same(
    Object.keys(res.body ?? {}).sort(),
    ['code', 'error', 'message', 'statusCode'],
    `${what}: the contract's fields`,
  )
  t.match(
    res.body,
    { statusCode: status, code, error: STATUS_CODES[status], message: /\w/ },
    `${what}: code ${code}`,
  )
}

/** A logger that keeps every entry, to show that nothing a client sends is logged as an error. */
function capturingLogger(): { entries: { level: number; msg: string }[]; logger: AppDependencies['logger'] } {
  const entries: { level: number; msg: string }[] = []
  const stream = { write: (line: string) => void entries.push(JSON.parse(line)) }
  return { entries, logger: { level: 'debug', stream } }
}

interface Started extends TestApp {
  port: number
}

/** The real app on a free port with the given bounds (no jobs: nothing here needs them). */
async function start(
  t: Test,
  ledger: Ledger,
  http: Partial<HttpTimeouts>,
  extra: Pick<AppDependencies, 'streams' | 'logger'> = {},
): Promise<Started> {
  const api = await startApp(t, ledger, {}, undefined, { jobs: false, http, ...extra })
  return { ...api, port: Number(new URL(api.url).port) }
}

const ledger = await openLedger(t, await postgresTarget())

t.test('the production bounds are set on the HTTP server', async (t) => {
  const api = await start(t, ledger, {})
  const server = api.app.server as typeof api.app.server & { connectionsCheckingInterval?: number }
  t.equal(server.headersTimeout, 10_000, 'headers within 10 s')
  t.equal(server.requestTimeout, 30_000, 'a whole request within 30 s')
  t.equal(server.connectionsCheckingInterval, 1_000, 'both checked every second')
  t.equal(server.keepAliveTimeout, 72_000, 'idle keep-alive kept above load balancers’ 60 s')
  t.equal(server.timeout, 60_000, 'a connection with no traffic either way for 60 s is closed')
})

t.test('a stream heartbeat as long as the idle bound is refused at build time', async (t) => {
  const config = testConfig()
  const redis = createRedis(config, 'seatlock-test')
  redis.on('error', () => undefined)
  t.teardown(() => redis.disconnect())
  const built = buildApp({
    config,
    redis,
    ledger,
    logger: false,
    jobs: false,
    streams: { heartbeatMs: 2_000 },
    http: { idleTimeoutMs: 2_000 },
  })
  // Were it built, it would hold connections: close it.
  built.then(({ app }) => t.teardown(() => app.close())).catch(() => undefined)
  await t.rejects(built, /heartbeat/, 'every quiet stream would be closed as idle')
})

t.test('slow and idle clients', async (t) => {
  const logs = capturingLogger()
  const api = await start(t, ledger, BOUNDS, { streams: { heartbeatMs: 100 }, logger: logs.logger })

  await t.test('a connection that never sends anything is closed, silently', async (t) => {
    const got = await exchange(api.port, { deadlineMs: BOUNDS.headersTimeoutMs + SLACK_MS })
    t.equal(got.text, '', 'no answer to a request never made')
    t.ok(
      got.closedAfterMs >= BOUNDS.headersTimeoutMs - EARLY_MS,
      `not before the bound (${got.closedAfterMs} ms)`,
    )
  })

  await t.test('half-sent headers: 408 in the contract shape, then closed', async (t) => {
    const got = await exchange(api.port, {
      send: ['GET /health HTTP/1.1\r\nHost: seatlock\r\nAccept: '],
      deadlineMs: BOUNDS.headersTimeoutMs + SLACK_MS,
    })
    assertContractError(t, 'half-sent headers', got, 408, 'REQUEST_TIMEOUT')
    t.ok(
      got.closedAfterMs >= BOUNDS.headersTimeoutMs - EARLY_MS,
      `not before the bound (${got.closedAfterMs} ms)`,
    )
  })

  await t.test(
    'headers trickled a line at a time (slowloris) are cut off at the headers bound',
    async (t) => {
      const got = await exchange(api.port, {
        send: ['GET /health HTTP/1.1\r\nHost: seatlock\r\n'],
        trickle: { chunk: 'X-Slow: 1\r\n', everyMs: 50 },
        deadlineMs: BOUNDS.headersTimeoutMs + SLACK_MS,
      })
      assertContractError(t, 'trickled headers', got, 408, 'REQUEST_TIMEOUT')
      t.ok(
        got.closedAfterMs >= BOUNDS.headersTimeoutMs - EARLY_MS,
        `not before the bound (${got.closedAfterMs} ms)`,
      )
      t.ok(got.closedAfterMs < BOUNDS.requestTimeoutMs, 'the headers bound, not the request bound')
    },
  )

  await t.test('a body trickled a byte at a time is cut off at the request bound', async (t) => {
    const body = JSON.stringify({ holder: 'slow', items: [{ section: 'g', quantity: 1 }] })
    const got = await exchange(api.port, {
      send: [
        'POST /v1/events/slow-body/holds HTTP/1.1\r\nHost: seatlock\r\nContent-Type: application/json\r\n' +
          `Content-Length: ${body.length + 1000}\r\n\r\n${body}`,
      ],
      trickle: { chunk: ' ', everyMs: 50 },
      deadlineMs: BOUNDS.requestTimeoutMs + SLACK_MS,
    })
    assertContractError(t, 'trickled body', got, 408, 'REQUEST_TIMEOUT')
    t.ok(
      got.closedAfterMs >= BOUNDS.requestTimeoutMs - EARLY_MS,
      `not before the bound (${got.closedAfterMs} ms)`,
    )
  })

  await t.test('an idle keep-alive connection is closed after the keep-alive bound', async (t) => {
    const got = await exchange(api.port, {
      send: ['GET /health HTTP/1.1\r\nHost: seatlock\r\n\r\n'],
      deadlineMs: BOUNDS.keepAliveTimeoutMs + SLACK_MS,
    })
    const res = parseResponse(got.text)
    t.equal(res.status, 200, 'the request was answered')
    t.same(res.body, { status: 'ok' })
    t.not(res.headers.connection, 'close', 'and the connection kept alive')
    const idleMs = got.closedAfterMs - (got.firstByteAfterMs ?? 0)
    t.ok(idleMs >= BOUNDS.keepAliveTimeoutMs - EARLY_MS, `then closed after ${Math.round(idleMs)} ms idle`)
  })

  await t.test('a change stream outlives every bound that cuts off a slow client beside it', async (t) => {
    const eventId = await createEvent(api, { ga: { g: 5 } })
    const opened = Date.now()
    const client = await StreamClient.open(t, api.url, eventId)
    const slow = await exchange(api.port, {
      send: ['GET /health HTTP/1.1\r\nHost: seatlock\r\n'],
      deadlineMs: BOUNDS.headersTimeoutMs + SLACK_MS,
    })
    assertContractError(t, 'the slow client beside the stream', slow, 408, 'REQUEST_TIMEOUT')
    // Every bound twice over, the longest included; the stream must still be there and still talking.
    const longest = Math.max(BOUNDS.headersTimeoutMs, BOUNDS.requestTimeoutMs, BOUNDS.idleTimeoutMs)
    const pingsAtBound = await eventually(
      'the stream to outlive every bound',
      () => {
        if (client.ended) throw new Error(`the stream ended after ${Date.now() - opened} ms`)
        return Date.now() - opened > 2 * longest ? client.comments.length : undefined
      },
      { deadlineMs: 2 * longest + SLACK_MS },
    )
    await eventually('a later heartbeat', () => client.comments.length > pingsAtBound, {
      deadlineMs: SLACK_MS,
    })
    t.ok(pingsAtBound >= 10, `heartbeats kept coming (${pingsAtBound})`)
    const held = await api.request('POST', `/v1/events/${eventId}/holds`, {
      body: { holder: 'h', items: [{ section: 'g', quantity: 1 }] },
    })
    t.equal(held.status, 201)
    await client.waitFor((m) => m.holdId === held.body.id, 2_000, 'a change on the long-lived stream')
    t.notOk(client.ended, 'the stream is still open')
    t.equal(client.error, undefined, 'and never failed')
  })

  t.same(
    logs.entries.filter((e) => e.level >= 50),
    [],
    'nothing was logged as an error',
  )
})

t.test('what the parser refuses is answered in the contract shape', async (t) => {
  const logs = capturingLogger()
  const api = await start(t, ledger, BOUNDS, { streams: { heartbeatMs: 100 }, logger: logs.logger })
  const deadlineMs = SLACK_MS

  await t.test('headers over the size limit: 431 HEADERS_TOO_LARGE', async (t) => {
    const got = await exchange(api.port, {
      send: [`GET /health HTTP/1.1\r\nHost: seatlock\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\n\r\n`],
      deadlineMs,
    })
    assertContractError(t, 'oversized header', got, 431, 'HEADERS_TOO_LARGE')
  })

  await t.test('chunk extensions over the size limit: 413 PAYLOAD_TOO_LARGE', async (t) => {
    const got = await exchange(api.port, {
      send: [
        'POST /v1/events HTTP/1.1\r\nHost: seatlock\r\nContent-Type: application/json\r\n' +
          `Transfer-Encoding: chunked\r\n\r\n2;${'x'.repeat(20 * 1024)}\r\n{}\r\n0\r\n\r\n`,
      ],
      deadlineMs,
    })
    assertContractError(t, 'oversized chunk extension', got, 413, 'PAYLOAD_TOO_LARGE')
  })

  const malformed: [string, string | Buffer][] = [
    ['a garbage request line', 'HELLO THERE\r\n\r\n'],
    ['TLS spoken to the HTTP port', Buffer.from('160301020001000001fc0303', 'hex')],
    ['a header line without a colon', 'GET /health HTTP/1.1\r\nHost seatlock\r\n\r\n'],
    ['a space inside the URL', 'GET /he alth HTTP/1.1\r\nHost: seatlock\r\n\r\n'],
    [
      'Content-Length with Transfer-Encoding (request smuggling)',
      'POST /v1/events HTTP/1.1\r\nHost: seatlock\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ],
    [
      'a chunk size that is not hexadecimal',
      'POST /v1/events HTTP/1.1\r\nHost: seatlock\r\nContent-Type: application/json\r\n' +
        'Transfer-Encoding: chunked\r\n\r\nzz\r\n',
    ],
  ]
  for (const [what, bytes] of malformed) {
    await t.test(`${what}: 400 MALFORMED_REQUEST`, async (t) => {
      const got = await exchange(api.port, { send: [bytes], deadlineMs })
      assertContractError(t, what, got, 400, 'MALFORMED_REQUEST')
    })
  }

  await t.test('a valid request then garbage on the same connection: the answer, then a 400', async (t) => {
    const got = await exchange(api.port, {
      send: ['GET /health HTTP/1.1\r\nHost: seatlock\r\n\r\nHELLO THERE\r\n\r\n'],
      deadlineMs,
    })
    const first = parseResponse(got.text)
    t.equal(first.status, 200, 'the valid request is answered')
    const second = got.text.slice(got.text.indexOf('{"status":"ok"}') + '{"status":"ok"}'.length)
    assertContractError(t, 'the garbage after it', { ...got, text: second }, 400, 'MALFORMED_REQUEST')
  })

  const health = await api.request('GET', '/health')
  t.equal(health.status, 200, 'the server serves on')
  t.same(
    logs.entries.filter((e) => e.level >= 50),
    [],
    'nothing was logged as an error',
  )
})
