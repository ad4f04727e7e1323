import t from 'tap'
import { ERRORS } from '../src/errors.js'
import type { ErrorCode } from '../src/errors.js'
import { eachLedger, startApp } from './helpers/app.js'

/** Every route of the contract with the statuses (and codes) its OpenAPI entry must list. */
const CONTRACT: [string, string, Record<number, ErrorCode[] | 'ok'>][] = [
  [
    'post',
    '/v1/events',
    {
      201: 'ok',
      400: ['INVALID_REQUEST', 'INVALID_LAYOUT'],
      401: ['UNAUTHORIZED'],
      409: ['EVENT_EXISTS'],
      413: ['PAYLOAD_TOO_LARGE'],
    },
  ],
  ['get', '/v1/events', { 200: 'ok', 400: ['INVALID_REQUEST', 'INVALID_CURSOR'], 401: ['UNAUTHORIZED'] }],
  [
    'get',
    '/v1/events/{eventId}',
    { 200: 'ok', 404: ['EVENT_NOT_FOUND'], 503: ['REDIS_UNAVAILABLE', 'LEDGER_UNAVAILABLE'] },
  ],
  ['get', '/v1/events/{eventId}/seats', { 200: 'ok', 404: ['EVENT_NOT_FOUND'] }],
  ['get', '/v1/events/{eventId}/stream', { 200: 'ok', 404: ['EVENT_NOT_FOUND'], 409: ['EVENT_ARCHIVED'] }],
  [
    'patch',
    '/v1/events/{eventId}',
    {
      200: 'ok',
      400: ['INVALID_REQUEST'],
      401: ['UNAUTHORIZED'],
      404: ['EVENT_NOT_FOUND'],
      409: ['PRICES_LOCKED', 'EVENT_ARCHIVED'],
      422: ['UNKNOWN_SECTION'],
    },
  ],
  [
    'post',
    '/v1/events/{eventId}/sales/close',
    {
      200: 'ok',
      401: ['UNAUTHORIZED'],
      404: ['EVENT_NOT_FOUND'],
      409: ['EVENT_ARCHIVED'],
      503: ['REDIS_UNAVAILABLE'],
    },
  ],
  [
    'post',
    '/v1/events/{eventId}/archive',
    {
      200: 'ok',
      401: ['UNAUTHORIZED'],
      404: ['EVENT_NOT_FOUND'],
      409: ['EVENT_NOT_ENDED', 'EVENT_BUSY'],
      503: ['REDIS_UNAVAILABLE', 'LEDGER_UNAVAILABLE', 'EVENT_LOADING'],
    },
  ],
  [
    'delete',
    '/v1/events/{eventId}',
    {
      204: 'ok',
      401: ['UNAUTHORIZED'],
      404: ['EVENT_NOT_FOUND'],
      409: ['EVENT_HAS_SALES'],
      503: ['REDIS_UNAVAILABLE', 'LEDGER_UNAVAILABLE'],
    },
  ],
  [
    'post',
    '/v1/events/{eventId}/sales/open',
    { 200: 'ok', 401: ['UNAUTHORIZED'], 404: ['EVENT_NOT_FOUND'], 503: ['REDIS_UNAVAILABLE'] },
  ],
  [
    'get',
    '/v1/events/{eventId}/seat-map',
    { 200: 'ok', 404: ['EVENT_NOT_FOUND'], 422: ['UNKNOWN_SECTION'], 503: ['EVENT_LOADING'] },
  ],
  [
    'post',
    '/v1/events/{eventId}/holds',
    {
      201: 'ok',
      400: ['INVALID_REQUEST', 'DUPLICATE_SEATS', 'TOO_MANY_SEATS', 'INVALID_TTL'],
      404: ['EVENT_NOT_FOUND'],
      409: [
        'SEAT_UNAVAILABLE',
        'INSUFFICIENT_CAPACITY',
        'HOLDER_LIMIT_EXCEEDED',
        'SALES_NOT_OPEN',
        'SALES_CLOSED',
        'EVENT_ARCHIVED',
      ],
      413: ['PAYLOAD_TOO_LARGE'],
      422: ['UNKNOWN_SECTION', 'UNKNOWN_SEAT', 'WRONG_ITEM_KIND', 'IDEMPOTENCY_KEY_REUSED'],
      503: ['REDIS_UNAVAILABLE'],
    },
  ],
  [
    'get',
    '/v1/events/{eventId}/holds/{holdId}',
    {
      200: 'ok',
      401: ['HOLD_TOKEN_REQUIRED'],
      403: ['HOLD_TOKEN_INVALID'],
      404: ['HOLD_NOT_FOUND'],
      410: ['HOLD_EXPIRED', 'HOLD_RELEASED'],
    },
  ],
  [
    'post',
    '/v1/events/{eventId}/holds/{holdId}/extend',
    { 200: 'ok', 400: ['INVALID_TTL'], 403: ['HOLD_TOKEN_INVALID'], 410: ['HOLD_EXPIRED'] },
  ],
  [
    'delete',
    '/v1/events/{eventId}/holds/{holdId}',
    { 204: 'ok', 401: ['HOLD_TOKEN_REQUIRED'], 410: ['HOLD_RELEASED'] },
  ],
  [
    'post',
    '/v1/events/{eventId}/holds/{holdId}/confirm',
    { 200: 'ok', 201: 'ok', 409: ['SEAT_UNAVAILABLE'], 410: ['HOLD_EXPIRED'], 503: ['LEDGER_UNAVAILABLE'] },
  ],
  ['delete', '/v1/events/{eventId}/holders/{holder}/holds', { 200: 'ok', 401: ['UNAUTHORIZED'] }],
  ['get', '/v1/events/{eventId}/reservations/{reservationId}', { 200: 'ok', 404: ['RESERVATION_NOT_FOUND'] }],
  [
    'delete',
    '/v1/events/{eventId}/reservations/{reservationId}',
    { 204: 'ok', 404: ['RESERVATION_NOT_FOUND'] },
  ],
  ['get', '/v1/events/{eventId}/reservations', { 200: 'ok', 400: ['INVALID_CURSOR'], 401: ['UNAUTHORIZED'] }],
  [
    'post',
    '/v1/events/{eventId}/blocks',
    {
      201: 'ok',
      400: ['INVALID_REQUEST', 'DUPLICATE_SEATS', 'SECTION_NOT_SEATED', 'INVALID_RELEASE_AT'],
      401: ['UNAUTHORIZED'],
      404: ['EVENT_NOT_FOUND'],
      409: ['SEATS_NOT_BLOCKABLE'],
      422: ['UNKNOWN_SECTION', 'UNKNOWN_SEAT'],
      503: ['REDIS_UNAVAILABLE', 'LEDGER_UNAVAILABLE'],
    },
  ],
  ['get', '/v1/events/{eventId}/blocks', { 200: 'ok', 401: ['UNAUTHORIZED'], 404: ['EVENT_NOT_FOUND'] }],
  [
    'get',
    '/v1/events/{eventId}/blocks/{blockId}',
    { 200: 'ok', 401: ['UNAUTHORIZED'], 404: ['EVENT_NOT_FOUND', 'BLOCK_NOT_FOUND'] },
  ],
  [
    'delete',
    '/v1/events/{eventId}/blocks/{blockId}',
    { 204: 'ok', 401: ['UNAUTHORIZED'], 404: ['BLOCK_NOT_FOUND'], 503: ['REDIS_UNAVAILABLE'] },
  ],
  ['get', '/health', { 200: 'ok' }],
  ['get', '/ready', { 200: 'ok', 503: 'ok' }],
]

await eachLedger(t, 'OpenAPI document', async (t, ledger) => {
  const api = await startApp(t, ledger, {}, undefined, { jobs: false })
  const doc = await api.request('GET', '/docs/json')
  t.equal(doc.status, 200)
  t.match(doc.body.openapi, /^3\./, 'OpenAPI 3')
  t.ok(
    doc.body.components.securitySchemes.admin && doc.body.components.securitySchemes.holdToken,
    'both auth schemes',
  )

  for (const [method, path, statuses] of CONTRACT) {
    const operation = doc.body.paths?.[path]?.[method]
    t.ok(operation, `${method.toUpperCase()} ${path} is documented`)
    if (!operation) continue
    for (const [status, codes] of Object.entries(statuses)) {
      const response = operation.responses?.[status]
      t.ok(response, `${method.toUpperCase()} ${path} documents ${status}`)
      if (codes === 'ok' || !response) continue
      for (const code of codes) {
        t.equal(ERRORS[code][0], Number(status), `${code} is a ${status}`)
        t.match(response.description, code, `${method.toUpperCase()} ${path} ${status} lists ${code}`)
        const schema = response.content?.['application/json']?.schema
        t.ok(
          schema?.properties?.code?.enum?.includes(code),
          `${method.toUpperCase()} ${path} ${status}: ${code} is in the code enum`,
        )
      }
    }
  }

  // Patterns every generator accepts: no \p{...} classes, valid without JavaScript's `u` flag.
  const patterns = JSON.stringify(doc.body).match(/"pattern":"(?:[^"\\]|\\.)*"/g) ?? []
  t.ok(patterns.length > 0, 'the document has patterns')
  for (const raw of new Set(patterns)) {
    const pattern = (JSON.parse(`{${raw}}`) as { pattern: string }).pattern
    t.notMatch(pattern, /\\p\{/, `${pattern}: no Unicode property classes`)
    t.doesNotThrow(() => new RegExp(pattern), `${pattern} compiles without the u flag`)
  }

  // Generated clients name their functions and types from these.
  const operationIds: string[] = []
  for (const methods of Object.values(doc.body.paths ?? {}) as Record<string, { operationId?: string }>[])
    for (const op of Object.values(methods)) operationIds.push(op.operationId ?? '(none)')
  t.notOk(operationIds.includes('(none)'), 'every operation has an operationId')
  t.equal(new Set(operationIds).size, operationIds.length, 'operationIds are unique')
  const names = Object.keys(doc.body.components?.schemas ?? {})
  t.same(
    names.filter((n) => /^def-\d+$/.test(n)),
    [],
    `component schemas are named (${names.join(', ')})`,
  )
  for (const name of ['Hold', 'Event', 'Reservation', 'SeatMap'])
    t.ok(names.includes(name), `a ${name} schema`)

  const ui = await api.request('GET', '/docs')
  t.ok([200, 302].includes(ui.status), 'Swagger UI is served at /docs')
  const page = await fetch(`${api.url}/docs/`, { redirect: 'follow' })
  t.match(await page.text(), /swagger/i, 'the UI page loads')
})
