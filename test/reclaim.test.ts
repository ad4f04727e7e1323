import t from 'tap'
import { EventKeys } from '../src/redis/keys.js'
import { assertCountsConsistent, createEvent, eachLedger, seats, startApp } from './helpers/app.js'
import { eventually } from './helpers/eventually.js'

// More expired holds than one script reclaims at once (50), with no sweeper running: every script must
// still see consistent counts, reclaiming what it meets, and never block on the whole backlog.
await eachLedger(t, 'a backlog of expired holds', async (t, ledger) => {
  const api = await startApp(t, ledger, { maxSeatsPerHolder: 1000 }, undefined, {
    jobs: false,
  })
  const eventId = await createEvent(api, { seated: { s: seats('S', 1200) }, ga: { g: 1200 } })
  const keys = new EventKeys(api.config.keyPrefix, eventId)
  for (let i = 0; i < 1200; i += 100) {
    await Promise.all(
      Array.from({ length: 100 }, (_, j) =>
        api.request('POST', `/v1/events/${eventId}/holds`, {
          body: {
            holder: `h${i + j}`,
            ttlSeconds: 10, // the 1,200 creates must all finish before the first expires, even on a busy machine
            items: [
              { section: 's', seats: [`S${i + j + 1}`] },
              { section: 'g', quantity: 1 },
            ],
          },
        }),
      ),
    )
  }
  t.equal(await api.redis.zcard(keys.expiry), 1200, '1,200 holds taken')
  // Wait until all have expired (Redis time), without any script running meanwhile.
  const lastExpiry = Number((await api.redis.zrange(keys.expiry, -1, -1, 'WITHSCORES'))[1])
  await eventually('every hold past its expiry', async () => (await api.services.store.now()) > lastExpiry, {
    deadlineMs: lastExpiry - Date.now() + 5000,
  })

  // The newest holds' seats are beyond the first reclaim batch; their keys still name the old holds.
  const seat = await api.request('POST', `/v1/events/${eventId}/holds`, {
    body: { holder: 'late', items: [{ section: 's', seats: ['S1200'] }] },
  })
  t.equal(seat.status, 201, 'a seat of an expired hold beyond the batch can be held at once')
  const ga = await api.request('POST', `/v1/events/${eventId}/holds`, {
    body: { holder: 'late-ga', items: [{ section: 'g', quantity: 1000 }] },
  })
  t.equal(ga.status, 400, 'larger than one hold may be (guard)')
  const gaOk = await api.request('POST', `/v1/events/${eventId}/holds`, {
    body: { holder: 'late-ga', items: [{ section: 'g', quantity: 10 }] },
  })
  t.equal(gaOk.status, 201, 'GA units of expired holds come back when needed')
  await assertCountsConsistent(t, api, eventId)
  let more = true
  let rounds = 0
  while (more && rounds++ < 50) more = (await api.services.store.sweep(eventId)).more
  t.equal(more, false, 'the sweeper drains the rest in batches')
  const event = await api.request('GET', `/v1/events/${eventId}`)
  t.match(
    event.body.sections,
    [
      { id: 's', held: 1 },
      { id: 'g', held: 10 },
    ],
    'only the new holds remain',
  )
  await assertCountsConsistent(t, api, eventId)
})
