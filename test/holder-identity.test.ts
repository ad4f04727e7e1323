/**
 * Verified holder identity (plugins/holder-identity.ts): with HOLDER_JWT_SECRET (HS256) or HOLDER_JWKS_URL,
 * the holder is the identity token's subject. A forged body holder is refused, a missing or bad token is
 * 401, and what follows the holder (per-holder seat limit and rate limit, Idempotency-Key scope, the admin
 * release) follows the subject. Tokens are signed here with node:crypto, independently of the service.
 */
import { createHmac, createSign, generateKeyPairSync } from 'node:crypto'
import { once } from 'node:events'
import { createServer } from 'node:http'
import t from 'tap'
import type { Config } from '../src/config.js'
import { createEvent, startApp } from './helpers/app.js'
import type { TestApp } from './helpers/app.js'
import { openLedger, postgresTarget } from './helpers/ledgers.js'

const SECRET = 'an-hs256-secret-of-at-least-32-bytes!'
const OFF = { holdsPerAddress: 0, holdsPerHolder: 0, holdActionsPerAddress: 0 }

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')

function hs256(payload: object, secret = SECRET): string {
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`
}

const now = () => Math.floor(Date.now() / 1000)
const claims = (sub: string, extra: object = {}) => ({ sub, iat: now(), exp: now() + 300, ...extra })

async function hold(
  api: TestApp,
  eventId: string,
  token: string | undefined,
  body: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) {
  return api.request('POST', `/v1/events/${eventId}/holds`, {
    body: { items: [{ section: 'g', quantity: 1 }], ...body },
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
  })
}

const ledger = await openLedger(t, await postgresTarget())

t.test('HS256: the subject is the holder', async (t) => {
  const identity: Partial<Config> = {
    holderIdentity: { secret: SECRET },
    maxSeatsPerHolder: 2,
    rateLimits: { ...OFF, holdsPerHolder: 4 },
  }
  const api = await startApp(t, ledger, identity, undefined, { jobs: false })
  const eventId = await createEvent(api, { ga: { g: 100 } })
  const alice = hs256(claims('alice'))
  const mallory = hs256(claims('mallory'))

  t.test("the token's subject wins", async (t) => {
    const taken = await hold(api, eventId, alice)
    t.equal(taken.status, 201, 'no body holder needed')
    t.equal(taken.body.holder, 'alice', 'the holder is the subject')
    const named = await hold(api, eventId, alice, { holder: 'alice' })
    t.equal(named.status, 201, 'a body holder equal to the subject is fine')
    await api.request('DELETE', `/v1/events/${eventId}/holds/${taken.body.id}`, { token: taken.body.token })
    await api.request('DELETE', `/v1/events/${eventId}/holds/${named.body.id}`, { token: named.body.token })
  })

  t.test('a forged holder is refused', async (t) => {
    const forged = await hold(api, eventId, mallory, { holder: 'alice' })
    t.equal(forged.status, 403)
    t.equal(forged.body.code, 'HOLDER_MISMATCH')
    t.notMatch(JSON.stringify(forged.body), /mallory/, 'the answer does not echo the subject')
  })

  t.test('missing and invalid tokens are refused', async (t) => {
    const missing = await hold(api, eventId, undefined, { holder: 'alice' })
    t.equal(missing.status, 401)
    t.equal(missing.body.code, 'IDENTITY_REQUIRED')
    const cases: [string, string][] = [
      ['wrong secret', hs256(claims('alice'), 'another-secret-of-at-least-32-bytes!!')],
      ['expired', hs256(claims('alice', { exp: now() - 60 }))],
      ['no subject', hs256({ iat: now(), exp: now() + 300 })],
      ['not a JWT', 'garbage'],
      ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims('alice'))}.`],
    ]
    for (const [name, token] of cases) {
      const res = await hold(api, eventId, token)
      t.equal(res.status, 401, `${name}: 401`)
      t.equal(res.body.code, 'IDENTITY_INVALID', `${name}: IDENTITY_INVALID`)
    }
    const view = await api.request('GET', `/v1/events/${eventId}`)
    t.equal(view.body.sections[0].held, 0, 'nothing was held by a refused request')
  })

  t.test(
    'per-identity seat limit: nobody can lock a verified buyer out; usage shown only to them',
    async (t) => {
      const ev = await createEvent(api, { ga: { g: 100 } })
      for (let i = 0; i < 3; i++)
        t.equal((await hold(api, ev, mallory, { holder: 'bob' })).status, 403, 'mallory cannot fill bob')
      const bob = hs256(claims('bob'))
      t.equal((await hold(api, ev, bob, { items: [{ section: 'g', quantity: 2 }] })).status, 201)
      const over = await hold(api, ev, bob)
      t.equal(over.status, 409)
      t.equal(over.body.code, 'HOLDER_LIMIT_EXCEEDED')
      t.same(over.body.details, { held: 2, limit: 2 }, 'the verified holder sees their own usage')
      t.equal((await hold(api, ev, mallory)).status, 201, "another subject's limit is separate")
      const released = await api.request('DELETE', `/v1/events/${ev}/holders/bob/holds`, { admin: true })
      t.same(released.body, { released: 1 }, 'the admin release follows the subject')
    },
  )

  t.test('per-identity rate limit', async (t) => {
    const ev = await createEvent(api, { ga: { g: 100 } })
    const carol = hs256(claims('carol'))
    const statuses = []
    for (let i = 0; i < 5; i++) {
      const res = await hold(api, ev, carol)
      statuses.push(res.status)
      if (res.status === 201)
        await api.request('DELETE', `/v1/events/${ev}/holds/${res.body.id}`, { token: res.body.token })
    }
    t.same(statuses, [201, 201, 201, 201, 429], 'the fifth hold of one subject in a minute is refused')
    t.equal((await hold(api, ev, hs256(claims('dave')))).status, 201, 'another subject is not')
  })

  t.test('Idempotency-Key scope follows the subject', async (t) => {
    const ev = await createEvent(api, { ga: { g: 100 } })
    const key = { 'idempotency-key': 'order-1' }
    const first = await hold(api, ev, alice, {}, key)
    t.equal(first.status, 201)
    const replay = await hold(api, ev, alice, {}, key)
    t.equal(replay.body.id, first.body.id, "alice's retry replays her hold")
    const hijack = await hold(api, ev, mallory, { holder: 'alice' }, key)
    t.equal(hijack.status, 403, "mallory cannot claim alice's key scope")
    const own = await hold(api, ev, mallory, {}, key)
    t.equal(own.status, 201)
    t.not(own.body.id, first.body.id, "mallory's same key is her own scope")
    t.not(own.body.token, first.body.token, "alice's token is never handed out")
  })

  t.test('the admin token names the holder itself', async (t) => {
    const res = await api.request('POST', `/v1/events/${eventId}/holds`, {
      admin: true,
      body: { holder: 'box-office', items: [{ section: 'g', quantity: 1 }] },
    })
    t.equal(res.status, 201)
    t.equal(res.body.holder, 'box-office')
  })

  t.test('the OpenAPI document shows the identity scheme and codes', async (t) => {
    const doc = (await api.request('GET', '/docs/json')).body
    t.match(doc.components.securitySchemes.holderIdentity, {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    })
    const create = doc.paths['/v1/events/{eventId}/holds'].post
    t.same(create.security, [{ holderIdentity: [] }, { admin: [] }])
    const codes = (status: number) =>
      create.responses[String(status)].content['application/json'].schema.properties.code.enum
    t.same(codes(401), ['IDENTITY_REQUIRED', 'IDENTITY_INVALID'])
    t.same(codes(403), ['HOLDER_MISMATCH'])
    t.ok(codes(429).includes('RATE_LIMITED'))
    t.notOk(
      create.requestBody.content['application/json'].schema.required?.includes('holder'),
      'holder optional',
    )
  })
})

t.test('without identity, the document has no identity scheme', async (t) => {
  const api = await startApp(t, ledger, {}, undefined, { jobs: false })
  const doc = (await api.request('GET', '/docs/json')).body
  t.notOk(doc.components.securitySchemes.holderIdentity)
  t.ok(
    doc.paths['/v1/events/{eventId}/holds'].post.requestBody.content[
      'application/json'
    ].schema.required.includes('holder'),
  )
})

t.test('JWKS (RS256): keys fetched from HOLDER_JWKS_URL', async (t) => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' }
  let up = true
  const jwksServer = createServer((req, res) => {
    if (!up || req.url !== '/auth/jwks.json') {
      res.writeHead(up ? 404 : 503, { 'content-type': 'application/json' }).end('{}')
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }))
  })
  jwksServer.listen(0, '127.0.0.1')
  await once(jwksServer, 'listening')
  t.teardown(() => jwksServer.close())
  const address = jwksServer.address()
  const port = typeof address === 'object' && address ? address.port : 0

  const rs256 = (payload: object, kid = 'k1') => {
    const head = `${b64({ alg: 'RS256', typ: 'JWT', kid })}.${b64(payload)}`
    return `${head}.${createSign('RSA-SHA256').update(head).sign(privateKey).toString('base64url')}`
  }
  const api = await startApp(
    t,
    ledger,
    {
      holderIdentity: { jwksUrl: `http://127.0.0.1:${port}/auth/jwks.json`, issuer: 'https://id.example' },
      rateLimits: OFF,
    },
    undefined,
    { jobs: false },
  )
  const eventId = await createEvent(api, { ga: { g: 100 } })
  const ok = await hold(api, eventId, rs256(claims('erin', { iss: 'https://id.example' })))
  t.equal(ok.status, 201)
  t.equal(ok.body.holder, 'erin')
  const wrongIssuer = await hold(api, eventId, rs256(claims('erin', { iss: 'https://evil.example' })))
  t.equal(wrongIssuer.body.code, 'IDENTITY_INVALID', 'issuer checked')
  const hs = await hold(api, eventId, hs256(claims('erin', { iss: 'https://id.example' })))
  t.equal(hs.body.code, 'IDENTITY_INVALID', 'an HS256 token is not accepted when keys come from a JWKS')
  const unknownKid = await hold(api, eventId, rs256(claims('erin', { iss: 'https://id.example' }), 'k9'))
  t.equal(unknownKid.status, 401, 'a key the set lacks: 401')
  up = false
  const down = await hold(api, eventId, rs256(claims('erin', { iss: 'https://id.example' }), 'k2'))
  t.equal(down.status, 503, 'the key set cannot be fetched: 503, not a 401 that blames the buyer')
  t.equal(down.body.code, 'IDENTITY_UNAVAILABLE')
  const cached = await hold(api, eventId, rs256(claims('erin', { iss: 'https://id.example' })))
  t.equal(cached.status, 201, 'a key already fetched still works while the provider is down')
})
