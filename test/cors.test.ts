/**
 * CORS: off unless CORS_ORIGINS names origins; then browsers on those origins can preflight and call the
 * hold routes (with the Hold-Token header), read Location and Retry-After, and open the change stream.
 */
import { request as httpRequest } from 'node:http'
import t from 'tap'
import { loadConfig, ConfigError } from '../src/config.js'
import { createEvent, startApp } from './helpers/app.js'
import { openLedger, postgresTarget } from './helpers/ledgers.js'

const SHOP = 'https://shop.example.com'

/** The status and headers of a GET whose body never ends (the change stream). */
function streamHead(
  url: string,
  origin: string,
): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { origin, accept: 'text/event-stream' } }, (res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers })
      res.destroy()
    })
    req.on('error', reject)
    req.end()
  })
}

t.test('CORS_ORIGINS: "*", a list of origins, or refused with a clear message', async (t) => {
  t.same(loadConfig({}).corsOrigins, [], 'off by default')
  t.same(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins, ['*'])
  t.same(loadConfig({ CORS_ORIGINS: `${SHOP}/, http://localhost:5173` }).corsOrigins, [
    SHOP,
    'http://localhost:5173',
  ])
  t.throws(() => loadConfig({ CORS_ORIGINS: 'shop.example.com' }), ConfigError)
  t.throws(() => loadConfig({ CORS_ORIGINS: `*,${SHOP}` }), ConfigError)
})

t.test('browsers', async (t) => {
  const ledger = await openLedger(t, await postgresTarget())

  t.test('off by default: no CORS headers', async (t) => {
    const api = await startApp(t, ledger, {}, undefined, { jobs: false })
    const res = await api.request('GET', '/health', { headers: { origin: SHOP } })
    t.equal(res.headers.get('access-control-allow-origin'), null)
  })

  t.test('on: preflight, calls, exposed headers and the stream for the listed origins only', async (t) => {
    const api = await startApp(t, ledger, { corsOrigins: [SHOP] }, undefined, { jobs: false })
    const eventId = await createEvent(api, { ga: { ga: 5 } })

    const preflight = await api.request('OPTIONS', `/v1/events/${eventId}/holds`, {
      headers: {
        origin: SHOP,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, hold-token, idempotency-key',
      },
    })
    t.equal(preflight.status, 204, 'preflight answered')
    t.equal(preflight.headers.get('access-control-allow-origin'), SHOP)
    t.match(preflight.headers.get('access-control-allow-headers') ?? '', /hold-token/)
    t.match(preflight.headers.get('access-control-allow-methods') ?? '', /DELETE/)

    const held = await api.request('POST', `/v1/events/${eventId}/holds`, {
      headers: { origin: SHOP },
      body: { holder: 'web', items: [{ section: 'ga', quantity: 1 }] },
    })
    t.equal(held.status, 201)
    t.equal(held.headers.get('access-control-allow-origin'), SHOP, 'the call is readable by the shop')
    t.match(held.headers.get('access-control-expose-headers') ?? '', /location/, 'Location is readable')

    const other = await api.request('GET', `/v1/events/${eventId}`, {
      headers: { origin: 'https://evil.example' },
    })
    t.equal(other.status, 200, 'the API still answers (CORS is enforced by browsers)')
    t.equal(other.headers.get('access-control-allow-origin'), null, 'but not for an origin not listed')

    const stream = await streamHead(`${api.url}/v1/events/${eventId}/stream`, SHOP)
    t.equal(stream.status, 200)
    t.equal(stream.headers['access-control-allow-origin'], SHOP, 'the change stream is readable cross-origin')
  })
})
