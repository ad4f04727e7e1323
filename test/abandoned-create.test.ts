/**
 * A hold create answered 503 leaves nothing behind. Redis is frozen (SIGSTOP) while a hold is asked
 * for: the client is answered 503 after the command timeout, yet the script runs when Redis resumes.
 * The service undoes it by itself: the seats are available again within seconds, not after the TTL.
 * A create that reaches Redis after its undo finds a tombstone and takes nothing.
 */
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { createEvent, eachLedger, startApp } from './helpers/app.js'
import { RedisServer } from './helpers/redis-server.js'
import { eventually } from './helpers/eventually.js'

await eachLedger(t, 'a hold create that timed out is undone', async (t, ledger) => {
  const server = await RedisServer.start(t)
  const api = await startApp(t, ledger, { redisUrl: server.url }, undefined, {
    jobs: false,
  })
  const eventId = await createEvent(api, { seated: { s: ['A1', 'A2'] }, ga: { g: 4 } })
  const body = {
    holder: 'timed-out',
    items: [
      { section: 's', seats: ['A1'] },
      { section: 'g', quantity: 2 },
    ],
  }

  await t.test('Redis frozen during the create: 503, then the late hold is released by itself', async (t) => {
    server.pause()
    const started = Date.now()
    const answer = await api.request('POST', `/v1/events/${eventId}/holds`, { body })
    const elapsed = Date.now() - started
    server.resume()
    t.equal(answer.status, 503, 'the client is told Redis did not answer')
    t.equal(answer.body.code, 'REDIS_UNAVAILABLE')
    t.ok(elapsed < 1600, `answered in ${elapsed} ms`)
    await eventually(
      'no section shows a held unit once Redis is back',
      async () => {
        const view = await api.request('GET', `/v1/events/${eventId}`)
        return view.status === 200 && view.body.sections.every((s: { held: number }) => s.held === 0)
      },
      { deadlineMs: 5000 },
    )
    const again = await api.request('POST', `/v1/events/${eventId}/holds`, {
      body: { ...body, holder: 'next' },
    })
    t.equal(again.status, 201, 'the seat and the units can be held by the next buyer')
    t.equal(api.services.holds.abandoned.size, 0, 'nothing left to undo')
    await api.request('DELETE', `/v1/events/${eventId}/holds/${again.body.id}`, { token: again.body.token })
  })

  await t.test('an undo that reaches Redis before the create: the create takes nothing', async (t) => {
    const holdId = randomBytes(16).toString('base64url')
    t.equal(await api.services.store.abandon(eventId, holdId), 'tombstone')
    const late = await api.services.store.create(eventId, {
      holdId,
      tokenHash: 'x'.repeat(64),
      holder: 'late',
      ttlMs: 60_000,
      lifetimeMs: 7_200_000,
      salesWindow: true,
      maxPerHolder: 10,
      items: [{ section: 's', seats: ['A1'] }],
      idempotency: null,
    })
    t.same(late, { kind: 'abandoned' }, 'the create refuses to run over the tombstone')
    const view = await api.request('GET', `/v1/events/${eventId}`)
    t.match(view.body.sections, [
      { id: 's', held: 0, available: 2 },
      { id: 'g', held: 0, available: 4 },
    ])
    t.equal(await api.services.store.abandon(eventId, holdId), 'nothing', 'undoing twice is harmless')
  })

  await t.test('with an Idempotency-Key the timed-out hold is kept for the retry', async (t) => {
    const key = `order-${randomBytes(4).toString('hex')}`
    server.pause()
    const answer = await api.request('POST', `/v1/events/${eventId}/holds`, {
      body,
      headers: { 'idempotency-key': key },
    })
    server.resume()
    t.equal(answer.status, 503)
    let replay = answer
    await eventually(
      'the retry with the same key gets the hold',
      async () => {
        replay = await api.request('POST', `/v1/events/${eventId}/holds`, {
          body,
          headers: { 'idempotency-key': key },
        })
        return replay.status === 201
      },
      { deadlineMs: 5000 },
    )
    t.equal(replay.headers.get('idempotent-replayed'), 'true', 'the very hold the timed-out call took')
    t.equal(api.services.holds.abandoned.size, 0, 'which was not undone')
  })
})
