/**
 * Logs an operator can read: one line per request with its status and contract code, nothing for
 * successful probes (orchestrators poll them every few seconds), a warning for a failed one.
 */
import t from 'tap'
import { createEvent, startApp } from './helpers/app.js'
import { openLedger, postgresTarget } from './helpers/ledgers.js'
import { RedisServer } from './helpers/redis-server.js'

interface Line {
  level: number
  msg: string
  route?: string
  status?: number
  code?: string
  ms?: number
}

function captureLog() {
  const lines: Line[] = []
  return {
    lines,
    logger: { level: 'info', stream: { write: (line: string) => void lines.push(JSON.parse(line) as Line) } },
  }
}

t.test('one line per request; probes quiet unless they fail', async (t) => {
  const ledger = await openLedger(t, await postgresTarget())
  const server = await RedisServer.start(t)
  const log = captureLog()
  const api = await startApp(t, ledger, { redisUrl: server.url }, undefined, {
    jobs: false,
    logger: log.logger,
  })
  const eventId = await createEvent(api, { ga: { ga: 5 } })
  log.lines.length = 0

  for (const path of ['/health', '/ready', '/metrics']) t.equal((await api.request('GET', path)).status, 200)
  const held = await api.request('POST', `/v1/events/${eventId}/holds`, {
    body: { holder: 'h', items: [{ section: 'ga', quantity: 1 }] },
  })
  t.equal(held.status, 201)
  const missing = await api.request('GET', '/v1/events/nope-404')
  t.equal(missing.status, 404)

  const requests = log.lines.filter((l) => l.msg === 'request' || l.msg === 'request failed')
  t.same(
    requests.map((l) => [l.route, l.status, l.code]),
    [
      ['/v1/events/:eventId/holds', 201, undefined],
      ['/v1/events/:eventId', 404, 'EVENT_NOT_FOUND'],
    ],
    'one line for each request that was not a probe, with its status and code',
  )
  t.ok(
    requests.every((l) => typeof l.ms === 'number'),
    'each line says how long the request took',
  )
  t.notOk(
    log.lines.some((l) => l.msg === 'incoming request' || l.msg === 'request completed'),
    "Fastify's two lines per request are off",
  )
  t.notOk(
    log.lines.some((l) => l.msg === 'request received'),
    'the debug line for a routed request is not written at info',
  )

  await server.stop()
  const ready = await api.request('GET', '/ready')
  t.equal(ready.status, 503)
  const failed = log.lines.filter((l) => l.msg === 'request failed')
  t.same(
    failed.map((l) => [l.level, l.route, l.status]),
    [[40, '/ready', 503]],
    'a failing probe is logged, as a warning',
  )
})
