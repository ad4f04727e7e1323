import t from 'tap'
import type { Test } from 'tap'
import { monitorRedis } from './helpers/redis-monitor.js'
import { createEvent, eachLedger, seats, startApp, TEST_REDIS_URL, uniqueId } from './helpers/app.js'
import { eventually } from './helpers/eventually.js'

const ERROR_SHAPE = { statusCode: Number, code: String, error: String, message: String }

await eachLedger(t, 'bad input', async (t, ledger) => {
  const api = await startApp(t, ledger, { maxSeatsPerHold: 3, holdTtlMaxS: 100, holdTtlDefaultS: 60 })
  const eventId = await createEvent(api, { seated: { s: seats('S', 5) }, ga: { g: 2 } })
  const holds = `/v1/events/${eventId}/holds`

  const expect = async (
    t: Test,
    what: string,
    status: number,
    code: string,
    run: () => ReturnType<typeof api.request>,
  ) => {
    const res = await run()
    t.equal(res.status, status, `${what}: ${status}`)
    t.match(res.body, { ...ERROR_SHAPE, statusCode: status, code }, `${what}: ${code}`)
    return res
  }

  await t.test('hold requests', async (t) => {
    const item = { section: 's', seats: ['S1'] }
    await expect(t, 'malformed JSON', 400, 'INVALID_JSON', () =>
      api.request('POST', holds, { raw: '{"holder": "x",' }),
    )
    await expect(t, 'empty body', 400, 'INVALID_REQUEST', () => api.request('POST', holds, { raw: '' }))
    await expect(t, 'wrong type', 400, 'INVALID_REQUEST', () =>
      api.request('POST', holds, { body: { holder: 'x', ttlSeconds: '60', items: [item] } }),
    )
    await expect(t, 'unknown field', 400, 'INVALID_REQUEST', () =>
      api.request('POST', holds, { body: { holder: 'x', items: [item], extra: 1 } }),
    )
    await expect(t, 'no items', 400, 'INVALID_REQUEST', () =>
      api.request('POST', holds, { body: { holder: 'x', items: [] } }),
    )
    await expect(t, 'holder too long', 400, 'INVALID_REQUEST', () =>
      api.request('POST', holds, { body: { holder: 'h'.repeat(129), items: [item] } }),
    )
    await expect(t, 'holder with a newline', 400, 'INVALID_REQUEST', () =>
      api.request('POST', holds, { body: { holder: 'a\nb', items: [item] } }),
    )
    // Outside the published (portable) pattern's ranges, still refused by the exact rule (\p{C}).
    await expect(t, 'holder with a private-use character', 400, 'INVALID_REQUEST', () =>
      api.request('POST', holds, { body: { holder: 'a\uE000b', items: [item] } }),
    )
    await expect(t, 'holder with an unassigned code point', 400, 'INVALID_REQUEST', () =>
      api.request('POST', holds, { body: { holder: 'a\u0378b', items: [item] } }),
    )
    await expect(t, 'duplicate seats', 400, 'DUPLICATE_SEATS', () =>
      api.request('POST', holds, { body: { holder: 'x', items: [{ section: 's', seats: ['S1', 'S1'] }] } }),
    )
    await expect(t, 'too many seats', 400, 'TOO_MANY_SEATS', () =>
      api.request('POST', holds, {
        body: {
          holder: 'x',
          items: [
            { section: 's', seats: ['S1', 'S2'] },
            { section: 'g', quantity: 2 },
          ],
        },
      }),
    )
    await expect(t, 'ttl zero', 400, 'INVALID_TTL', () =>
      api.request('POST', holds, { body: { holder: 'x', ttlSeconds: 0, items: [item] } }),
    )
    await expect(t, 'ttl above max', 400, 'INVALID_TTL', () =>
      api.request('POST', holds, { body: { holder: 'x', ttlSeconds: 101, items: [item] } }),
    )
    await expect(t, 'unknown section', 422, 'UNKNOWN_SECTION', () =>
      api.request('POST', holds, { body: { holder: 'x', items: [{ section: 'nope', quantity: 1 }] } }),
    )
    const unknownSeat = await expect(t, 'unknown seat', 422, 'UNKNOWN_SEAT', () =>
      api.request('POST', holds, { body: { holder: 'x', items: [{ section: 's', seats: ['S1', 'Z9'] }] } }),
    )
    t.same(unknownSeat.body.details, { section: 's', seats: ['Z9'] })
    await expect(t, 'seats for GA', 422, 'WRONG_ITEM_KIND', () =>
      api.request('POST', holds, { body: { holder: 'x', items: [{ section: 'g', seats: ['S1'] }] } }),
    )
    await expect(t, 'quantity for seated', 422, 'WRONG_ITEM_KIND', () =>
      api.request('POST', holds, { body: { holder: 'x', items: [{ section: 's', quantity: 1 }] } }),
    )
    await expect(t, 'GA over capacity', 409, 'INSUFFICIENT_CAPACITY', () =>
      api.request('POST', holds, { body: { holder: 'x', items: [{ section: 'g', quantity: 3 }] } }),
    )
    await expect(t, 'not JSON', 415, 'UNSUPPORTED_MEDIA_TYPE', () =>
      api.request('POST', holds, {
        raw: 'holder=x',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    )
    await expect(t, 'over 64 KiB', 413, 'PAYLOAD_TOO_LARGE', () =>
      api.request('POST', holds, {
        raw: JSON.stringify({ holder: 'x', pad: 'p'.repeat(70 * 1024), items: [item] }),
      }),
    )
    await expect(t, 'long Idempotency-Key', 400, 'INVALID_REQUEST', () =>
      api.request('POST', holds, {
        body: { holder: 'x', items: [item] },
        headers: { 'idempotency-key': 'k'.repeat(129) },
      }),
    )
    await expect(t, 'unknown event', 404, 'EVENT_NOT_FOUND', () =>
      api.request('POST', `/v1/events/${uniqueId('none')}/holds`, { body: { holder: 'x', items: [item] } }),
    )
    await expect(t, 'malformed URL escape', 400, 'INVALID_REQUEST', () =>
      api.request('GET', '/v1/events/%E0%A4%A'),
    )
    await expect(t, 'over-long path parameter', 400, 'INVALID_REQUEST', () =>
      api.request('GET', `/v1/events/${'x'.repeat(2000)}`),
    )
    await expect(t, 'unknown route', 404, 'NOT_FOUND', () => api.request('GET', '/v1/nothing-here'))
    const event = await api.request('GET', `/v1/events/${eventId}`)
    t.ok(
      event.body.sections.every((s: { held: number }) => s.held === 0),
      'no refused request held anything',
    )
  })

  await t.test('event requests', async (t) => {
    const section = { id: 'a', name: 'A', price: 100, capacity: 10 }
    await expect(t, 'no admin token', 401, 'UNAUTHORIZED', () =>
      api.request('POST', '/v1/events', { body: { name: 'x', sections: [section] } }),
    )
    await expect(t, 'wrong admin token', 401, 'UNAUTHORIZED', () =>
      api.request('POST', '/v1/events', {
        body: { name: 'x', sections: [section] },
        headers: { authorization: 'Bearer nope' },
      }),
    )
    await expect(t, 'seats and capacity both', 400, 'INVALID_REQUEST', () =>
      api.request('POST', '/v1/events', {
        admin: true,
        body: { name: 'x', sections: [{ ...section, seats: ['A1'] }] },
      }),
    )
    await expect(t, 'duplicate seat labels', 400, 'DUPLICATE_SEATS', () =>
      api.request('POST', '/v1/events', {
        admin: true,
        body: { name: 'x', sections: [{ id: 'a', name: 'A', price: 1, seats: ['A1', 'A1'] }] },
      }),
    )
    await expect(t, 'bad currency', 400, 'INVALID_REQUEST', () =>
      api.request('POST', '/v1/events', {
        admin: true,
        body: { name: 'x', currency: 'euro', sections: [section] },
      }),
    )
    await expect(t, 'negative price', 400, 'INVALID_REQUEST', () =>
      api.request('POST', '/v1/events', {
        admin: true,
        body: { name: 'x', sections: [{ ...section, price: -1 }] },
      }),
    )
    await expect(t, 'existing id', 409, 'EVENT_EXISTS', () =>
      api.request('POST', '/v1/events', {
        admin: true,
        body: { id: eventId, name: 'x', sections: [section] },
      }),
    )
    const generated = await api.request('POST', '/v1/events', {
      admin: true,
      body: { name: 'no id', sections: [section] },
    })
    t.equal(generated.status, 201, 'an id is generated when absent')
    t.match(generated.body.id, /^[A-Za-z0-9][A-Za-z0-9_.-]*$/)
    t.equal(generated.body.currency, 'USD', 'currency defaults to USD')
    t.equal(generated.headers.get('location'), `/v1/events/${generated.body.id}`)
    await expect(t, 'seat map of an unknown section', 422, 'UNKNOWN_SECTION', () =>
      api.request('GET', `/v1/events/${eventId}/seats?section=zz`),
    )
  })

  await t.test('identifiers with braces, colons, spaces or newlines never reach Redis', async (t) => {
    const monitor = await monitorRedis(TEST_REDIS_URL)
    const seen: string[] = []
    // A FUNCTION LOAD carries a script's source, whose comments are prose ("a b…"): only script calls'
    // keys and arguments can carry a request's identifiers.
    monitor.on('monitor', ({ args }) => {
      if (!/^function$/i.test(args[0] ?? '')) seen.push(args.join(' '))
    })
    const evil = ['a{b}', 'x}', 'a:b', 'a b', 'a\nb', '{ev:x}', '-a', 'é']
    for (const id of evil) {
      const encoded = encodeURIComponent(id)
      const paths = [
        `/v1/events/${encoded}`,
        `/v1/events/${encoded}/seats`,
        `/v1/events/${eventId}/seats?section=${encoded}`,
        // hold ids are base64url, so "-a" is a well-formed (unknown) hold id
        ...(/^[A-Za-z0-9_-]+$/.test(id) ? [] : [`/v1/events/${eventId}/holds/${encoded}`]),
      ]
      for (const path of paths) {
        const res = await api.request('GET', path, { token: 'tok' })
        t.equal(res.status, 400, `GET ${path.replace(/\n/g, '\\n')}: 400`)
        t.equal(res.body.code, 'INVALID_REQUEST')
      }
      const hold = await api.request('POST', holds, {
        body: { holder: 'x', items: [{ section: id, seats: ['S1'] }] },
      })
      t.equal(hold.status, 400, `section ${JSON.stringify(id)} in a hold: 400`)
      const seat = await api.request('POST', holds, {
        body: { holder: 'x', items: [{ section: 's', seats: [id] }] },
      })
      t.equal(seat.status, 400, `seat ${JSON.stringify(id)} in a hold: 400`)
      const create = await api.request('POST', '/v1/events', {
        admin: true,
        body: { id, name: 'x', sections: [{ name: 'a', price: 1, capacity: 1 }] },
      })
      t.equal(create.status, 400, `event id ${JSON.stringify(id)}: 400`)
    }
    // A request that reaches Redis, then a marker: MONITOR shows commands in the order they ran, so once the
    // marker is in, so is everything the requests sent. Then look for any of the identifiers.
    await api.request('GET', `/v1/events/${eventId}`)
    const marker = uniqueId('all-in')
    await api.redis.echo(marker)
    await eventually('MONITOR to show the marker', () => seen.some((line) => line.includes(marker)))
    monitor.disconnect()
    const ours = seen.filter((line) => line.includes(api.config.keyPrefix))
    t.ok(ours.length > 0, 'MONITOR saw this app’s commands')
    const leaked = ours.filter((line) => evil.some((id) => id.length > 2 && line.includes(id)))
    t.same(leaked, [], 'no Redis command carried a rejected identifier')
  })
})
