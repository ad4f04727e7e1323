import t from 'tap'
import { EventKeys } from '../src/redis/keys.js'
import { assertCountsConsistent, createEvent, eachLedger, seats, startApp } from './helpers/app.js'
import type { TestApp } from './helpers/app.js'
import { eventually } from './helpers/eventually.js'

async function hold(
  api: TestApp,
  eventId: string,
  body: Record<string, unknown>,
  headers?: Record<string, string>,
) {
  return api.request('POST', `/v1/events/${eventId}/holds`, { body, headers })
}

await eachLedger(t, 'hold lifecycle', async (t, ledger) => {
  const api = await startApp(t, ledger, {
    holdLifetimeMaxS: 20,
    holdTtlMaxS: 60,
    holdTtlDefaultS: 30,
    maxSeatsPerHolder: 4,
  })

  await t.test('seated and GA holds come back within 1 s of their TTL without any request', async (t) => {
    const eventId = await createEvent(api, { seated: { s: seats('S', 3) }, ga: { g: 10 } })
    const a = await hold(api, eventId, {
      holder: 'exp-a',
      ttlSeconds: 1,
      items: [{ section: 's', seats: ['S1', 'S2'] }],
    })
    const b = await hold(api, eventId, {
      holder: 'exp-b',
      ttlSeconds: 1,
      items: [{ section: 'g', quantity: 3 }],
    })
    t.equal(a.status, 201)
    t.equal(b.status, 201)
    const expiresAt = Math.max(Date.parse(a.body.expiresAt), Date.parse(b.body.expiresAt))
    const keys = new EventKeys(api.config.keyPrefix, eventId)
    // Polls Redis directly: no API request, so nothing but the sweeper can reclaim.
    const counts = await eventually(
      'held counts back to zero',
      async () => {
        const c = await api.redis.hgetall(keys.counts)
        return c['h:s'] === '0' && c['h:g'] === '0' && c
      },
      { deadlineMs: expiresAt - Date.now() + 3000 },
    )
    const returnedAfter = Date.now() - expiresAt
    t.same([counts['h:s'], counts['h:g']], ['0', '0'], 'held counts back to zero')
    t.ok(returnedAfter <= 1000, `returned ${returnedAfter} ms after expiry (<= 1000)`)
    const seatKeys = await api.redis.exists(keys.seat('s', 'S1'), keys.seat('s', 'S2'))
    t.equal(seatKeys, 0, 'seat keys gone')
    const read = await api.request('GET', `/v1/events/${eventId}/holds/${a.body.id}`, { token: a.body.token })
    t.equal(read.status, 410)
    t.equal(read.body.code, 'HOLD_EXPIRED')
    await assertCountsConsistent(t, api, eventId)
  })

  await t.test('extend moves the expiry, capped by HOLD_LIFETIME_MAX_S from creation', async (t) => {
    const eventId = await createEvent(api, { seated: { s: seats('S', 2) } })
    const created = await hold(api, eventId, {
      holder: 'ext',
      ttlSeconds: 5,
      items: [{ section: 's', seats: ['S1'] }],
    })
    const path = `/v1/events/${eventId}/holds/${created.body.id}`
    const extended = await api.request('POST', `${path}/extend`, {
      token: created.body.token,
      body: { ttlSeconds: 12 },
    })
    t.equal(extended.status, 200)
    const moved = Date.parse(extended.body.expiresAt) - Date.parse(created.body.expiresAt)
    t.ok(moved >= 6000 && moved <= 8000, `expiry moved by about 7 s (${moved} ms)`)
    const capped = await api.request('POST', `${path}/extend`, {
      token: created.body.token,
      body: { ttlSeconds: 60 },
    })
    t.equal(capped.status, 200)
    t.equal(
      Date.parse(capped.body.expiresAt),
      Date.parse(created.body.createdAt) + 20_000,
      'expiry capped at createdAt + lifetime max',
    )
    const keys = new EventKeys(api.config.keyPrefix, eventId)
    // The seat key outlives the hold by a grace (SEAT_GRACE_MS in lua/includes/seat-values.lua).
    const untilExpiry = Date.parse(capped.body.expiresAt) - Date.now()
    const seatTtl = await api.redis.pttl(keys.seat('s', 'S1'))
    t.ok(
      seatTtl > untilExpiry && seatTtl <= untilExpiry + 61_000,
      `the seat key follows it, plus the grace (${seatTtl} ms)`,
    )
    const read = await api.request('GET', path, { token: created.body.token })
    t.equal(read.body.expiresAt, capped.body.expiresAt, 'reads show the capped expiry')
    t.ok(read.body.ttlMs > 0 && read.body.ttlMs <= 20_000, 'ttlMs is reported')
    const bad = await api.request('POST', `${path}/extend`, {
      token: created.body.token,
      body: { ttlSeconds: 0 },
    })
    t.equal(bad.status, 400)
    t.equal(bad.body.code, 'INVALID_TTL')
  })

  await t.test('release frees the seats before the 204 returns', async (t) => {
    const eventId = await createEvent(api, { seated: { s: seats('S', 2) }, ga: { g: 2 } })
    const created = await hold(api, eventId, {
      holder: 'rel',
      items: [
        { section: 's', seats: ['S1', 'S2'] },
        { section: 'g', quantity: 2 },
      ],
    })
    const path = `/v1/events/${eventId}/holds/${created.body.id}`
    const released = await api.request('DELETE', path, { token: created.body.token })
    t.equal(released.status, 204)
    const again = await hold(api, eventId, {
      holder: 'next',
      items: [
        { section: 's', seats: ['S1', 'S2'] },
        { section: 'g', quantity: 2 },
      ],
    })
    t.equal(again.status, 201, 'the same seats and units can be held right after')
    const gone = await api.request('GET', path, { token: created.body.token })
    t.equal(gone.status, 410)
    t.equal(gone.body.code, 'HOLD_RELEASED')
    const twice = await api.request('DELETE', path, { token: created.body.token })
    t.equal(twice.body.code, 'HOLD_RELEASED')
    await assertCountsConsistent(t, api, eventId)
  })

  await t.test('only the token (or admin) can read, extend or release', async (t) => {
    const eventId = await createEvent(api, { seated: { s: seats('S', 2) } })
    const created = await hold(api, eventId, { holder: 'owner', items: [{ section: 's', seats: ['S1'] }] })
    const path = `/v1/events/${eventId}/holds/${created.body.id}`
    const attempts = [
      ['GET', path, undefined],
      ['POST', `${path}/extend`, { ttlSeconds: 30 }],
      ['DELETE', path, undefined],
      ['POST', `${path}/confirm`, undefined],
    ] as const
    for (const [method, url, body] of attempts) {
      const missing = await api.request(method, url, { body })
      t.equal(missing.status, 401, `${method} ${url.slice(-8)} without token: 401`)
      t.equal(missing.body.code, 'HOLD_TOKEN_REQUIRED')
      const wrong = await api.request(method, url, { body, token: 'x'.repeat(43) })
      t.equal(wrong.status, 403, `${method} with a wrong token: 403`)
      t.equal(wrong.body.code, 'HOLD_TOKEN_INVALID')
    }
    const longToken = await api.request('GET', path, { token: 'y'.repeat(300) })
    t.equal(longToken.status, 403, 'an over-long token is just a wrong token')
    t.equal(longToken.body.code, 'HOLD_TOKEN_INVALID')
    const otherHold = await hold(api, eventId, { holder: 'other', items: [{ section: 's', seats: ['S2'] }] })
    const crossed = await api.request('GET', path, { token: otherHold.body.token })
    t.equal(crossed.status, 403, "another hold's token does not open this one")
    const still = await api.request('GET', path, { token: created.body.token })
    t.equal(still.status, 200, 'the hold is untouched by refused attempts')
    t.equal(still.body.status, 'held')
    t.notOk('token' in still.body, 'reads never show the token')
    const admin = await api.request('POST', `${path}/extend`, { admin: true, body: { ttlSeconds: 30 } })
    t.equal(admin.status, 200, 'admin can extend')
    const adminRelease = await api.request('DELETE', path, { admin: true })
    t.equal(adminRelease.status, 204, 'admin can release')
    const unknown = await api.request('GET', `/v1/events/${eventId}/holds/nosuchhold`, { token: 'abc' })
    t.equal(unknown.status, 404)
    t.equal(unknown.body.code, 'HOLD_NOT_FOUND')
  })

  await t.test('the same Idempotency-Key gives one hold; another body with it gives 422', async (t) => {
    const eventId = await createEvent(api, { seated: { s: seats('S', 4) } })
    const body = { holder: 'idem', items: [{ section: 's', seats: ['S1'] }] }
    const headers = { 'idempotency-key': 'order-42' }
    const responses = await Promise.all(Array.from({ length: 10 }, () => hold(api, eventId, body, headers)))
    t.ok(
      responses.every((r) => r.status === 201),
      'every attempt answers 201',
    )
    t.equal(new Set(responses.map((r) => r.body.id)).size, 1, 'one hold id')
    t.equal(new Set(responses.map((r) => r.body.token)).size, 1, 'the same token is replayed')
    t.equal(
      responses.filter((r) => r.headers.get('idempotent-replayed') === 'true').length,
      9,
      'nine replays',
    )
    const read = await api.request('GET', `/v1/events/${eventId}/holds/${responses[0]?.body.id}`, {
      token: responses[0]?.body.token,
    })
    t.equal(read.status, 200, 'the replayed token works')
    const reordered = await hold(api, eventId, { items: body.items, holder: body.holder }, headers)
    t.equal(reordered.body.id, responses[0]?.body.id, 'key order in the body does not matter')
    const other = await hold(
      api,
      eventId,
      { holder: 'idem', items: [{ section: 's', seats: ['S2'] }] },
      headers,
    )
    t.equal(other.status, 422)
    t.equal(other.body.code, 'IDEMPOTENCY_KEY_REUSED')
    const otherHolder = await hold(
      api,
      eventId,
      { holder: 'idem-2', items: [{ section: 's', seats: ['S3'] }] },
      headers,
    )
    t.equal(otherHolder.status, 201, 'keys are scoped per holder')
    const event = await api.request('GET', `/v1/events/${eventId}`)
    t.equal(event.body.sections[0].held, 2, 'two holds in all')
  })

  await t.test('per-holder limit and releasing a holder session', async (t) => {
    const eventId = await createEvent(api, { seated: { s: seats('S', 8) }, ga: { g: 10 } })
    const a = await hold(api, eventId, { holder: 'greedy', items: [{ section: 's', seats: ['S1', 'S2'] }] })
    const b = await hold(api, eventId, { holder: 'greedy', items: [{ section: 'g', quantity: 2 }] })
    t.equal(a.status, 201)
    t.equal(b.status, 201)
    const over = await hold(api, eventId, { holder: 'greedy', items: [{ section: 's', seats: ['S3'] }] })
    t.equal(over.status, 409)
    t.equal(over.body.code, 'HOLDER_LIMIT_EXCEEDED')
    // `holder` is only a claim here: the refusal tells the limit, never that holder's usage.
    t.same(over.body.details, { limit: 4 }, 'the usage of a holder named only in the body is not disclosed')
    const noAdmin = await api.request('DELETE', `/v1/events/${eventId}/holders/greedy/holds`)
    t.equal(noAdmin.status, 401)
    t.equal(noAdmin.body.code, 'UNAUTHORIZED')
    const released = await api.request('DELETE', `/v1/events/${eventId}/holders/greedy/holds`, {
      admin: true,
    })
    t.equal(released.status, 200)
    t.same(released.body, { released: 2 })
    const after = await hold(api, eventId, {
      holder: 'greedy',
      items: [{ section: 's', seats: ['S1', 'S3'] }],
    })
    t.equal(after.status, 201, 'the holder can hold again')
    const encoded = await api.request(
      'DELETE',
      `/v1/events/${eventId}/holders/${encodeURIComponent('a b:{c}')}/holds`,
      {
        admin: true,
      },
    )
    t.same(encoded.body, { released: 0 }, 'free-form holders are fine in the path')
    await assertCountsConsistent(t, api, eventId)
  })

  await t.test(
    'the holder index keeps each hold of a holder apart, whatever the holder is called',
    async (t) => {
      const eventId = await createEvent(api, { ga: { g: 20 } })
      const holder = 'a b:{c},1:2 ünï'
      const take = (quantity: number) => hold(api, eventId, { holder, items: [{ section: 'g', quantity }] })
      const [one, two, three] = [await take(1), await take(1), await take(2)]
      t.same([one.status, two.status, three.status], [201, 201, 201])
      t.equal((await take(1)).body.code, 'HOLDER_LIMIT_EXCEEDED', 'four units: at the limit')
      const path = `/v1/events/${eventId}/holds/${two.body.id}`
      t.equal((await api.request('DELETE', path, { token: two.body.token })).status, 204)
      const again = await take(1)
      t.equal(again.status, 201, 'releasing one hold frees exactly its units')
      t.equal((await take(1)).body.code, 'HOLDER_LIMIT_EXCEEDED', 'and no more')
      const others = await hold(api, eventId, { holder: 'a b', items: [{ section: 'g', quantity: 4 }] })
      t.equal(others.status, 201, 'a holder whose name is a prefix of it has a limit of its own')
      const released = await api.request(
        'DELETE',
        `/v1/events/${eventId}/holders/${encodeURIComponent(holder)}/holds`,
        { admin: true },
      )
      t.same(released.body, { released: 3 }, 'the admin release finds the three holds left')
      const event = await api.request('GET', `/v1/events/${eventId}`)
      t.equal(event.body.sections[0].held, 4, "only the other holder's units stay held")
      await assertCountsConsistent(t, api, eventId)
    },
  )

  await t.test('a hold of ten long seat labels keeps its items whole and its hash compact', async (t) => {
    const big = await startApp(t, ledger, { maxSeatsPerHold: 10, maxSeatsPerHolder: 10 })
    const labels = Array.from({ length: 10 }, (_, i) => `${'row-long-label-'.repeat(4)}${i}`)
    const eventId = await createEvent(big, { seated: { s: labels } })
    const items = [{ section: 's', seats: labels }]
    const created = await hold(big, eventId, { holder: 'long', items })
    t.equal(created.status, 201)
    const keys = new EventKeys(big.config.keyPrefix, eventId)
    t.equal(
      await big.redis.object('ENCODING', keys.hold(created.body.id)),
      'listpack',
      'the hold hash stays listpack-encoded although its items JSON is over 600 bytes',
    )
    const path = `/v1/events/${eventId}/holds/${created.body.id}`
    const read = await big.request('GET', path, { token: created.body.token })
    t.same(read.body.items, items, 'the items read back whole')
    const confirmed = await big.request('POST', `${path}/confirm`, { token: created.body.token })
    t.equal(confirmed.status, 201)
    t.same(confirmed.body.items, items, 'and are sold whole')
    const seatsView = await big.request('GET', `/v1/events/${eventId}/seats`)
    t.ok(
      seatsView.body.sections[0].seats.every((s: { status: string }) => s.status === 'sold'),
      'every seat sold',
    )
    await assertCountsConsistent(t, big, eventId)
  })
})
