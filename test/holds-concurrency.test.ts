import t from 'tap'
import { assertCountsConsistent, createEvent, eachLedger, seats, startApp } from './helpers/app.js'

await eachLedger(t, 'concurrent holds', async (t, ledger) => {
  const api = await startApp(t, ledger)

  await t.test('200 clients hold the same seat at once: exactly one wins', async (t) => {
    const eventId = await createEvent(api, { seated: { floor: seats('F', 10) } })
    const responses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        api.request('POST', `/v1/events/${eventId}/holds`, {
          body: { holder: `buyer-${i}`, items: [{ section: 'floor', seats: ['F1'] }] },
        }),
      ),
    )
    const won = responses.filter((r) => r.status === 201)
    const lost = responses.filter((r) => r.status === 409)
    t.equal(won.length, 1, 'one 201')
    t.equal(lost.length, 199, 'the rest 409')
    t.ok(
      lost.every((r) => r.body.code === 'SEAT_UNAVAILABLE' && r.body.details.seats[0].seat === 'F1'),
      'every refusal is SEAT_UNAVAILABLE naming F1',
    )
    const event = await api.request('GET', `/v1/events/${eventId}`)
    t.match(event.body.sections[0], { capacity: 10, held: 1, available: 9, sold: 0 })
    await assertCountsConsistent(t, api, eventId)
  })

  await t.test('10 clients take 1 unit each of a GA section of 5: exactly 5 succeed', async (t) => {
    const eventId = await createEvent(api, { ga: { pit: 5 } })
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        api.request('POST', `/v1/events/${eventId}/holds`, {
          body: { holder: `fan-${i}`, items: [{ section: 'pit', quantity: 1 }] },
        }),
      ),
    )
    t.equal(responses.filter((r) => r.status === 201).length, 5, 'five holds')
    const refused = responses.filter((r) => r.status === 409)
    t.equal(refused.length, 5, 'five refusals')
    t.ok(
      refused.every((r) => r.body.code === 'INSUFFICIENT_CAPACITY'),
      'refusals are INSUFFICIENT_CAPACITY',
    )
    t.match(refused[0]?.body.details, { section: 'pit', requested: 1, available: 0 })
    const event = await api.request('GET', `/v1/events/${eventId}`)
    t.match(event.body.sections[0], { capacity: 5, available: 0, held: 5, sold: 0 })
    await assertCountsConsistent(t, api, eventId)
  })

  await t.test('a hold of 3 seats with 1 taken holds none of them', async (t) => {
    const eventId = await createEvent(api, { seated: { row: seats('R', 5) } })
    const first = await api.request('POST', `/v1/events/${eventId}/holds`, {
      body: { holder: 'early', items: [{ section: 'row', seats: ['R2'] }] },
    })
    t.equal(first.status, 201)
    const second = await api.request('POST', `/v1/events/${eventId}/holds`, {
      body: { holder: 'late', items: [{ section: 'row', seats: ['R1', 'R2', 'R3'] }] },
    })
    t.equal(second.status, 409)
    t.equal(second.body.code, 'SEAT_UNAVAILABLE')
    t.same(second.body.details.seats, [{ section: 'row', seat: 'R2' }], 'lists exactly the taken seat')
    const map = await api.request('GET', `/v1/events/${eventId}/seats?section=row`)
    const status = Object.fromEntries(
      map.body.sections[0].seats.map((s: { seat: string; status: string }) => [s.seat, s.status]),
    )
    t.same(status, { R1: 'available', R2: 'held', R3: 'available', R4: 'available', R5: 'available' })
    await assertCountsConsistent(t, api, eventId)
  })

  await t.test('mixed seated and GA holds racing: all or nothing under contention', async (t) => {
    const eventId = await createEvent(api, { seated: { box: seats('B', 4) }, ga: { lawn: 6 } })
    // 40 buyers each want 2 box seats (overlapping pairs) plus 1 lawn unit.
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        api.request('POST', `/v1/events/${eventId}/holds`, {
          body: {
            holder: `mix-${i}`,
            items: [
              { section: 'box', seats: [`B${(i % 4) + 1}`, `B${((i + 1) % 4) + 1}`] },
              { section: 'lawn', quantity: 1 },
            ],
          },
        }),
      ),
    )
    const won = responses.filter((r) => r.status === 201)
    t.ok(won.length >= 1 && won.length <= 2, `at most two disjoint pairs win (${won.length})`)
    const heldSeats = won.flatMap((r) => r.body.items[0].seats as string[])
    t.equal(new Set(heldSeats).size, heldSeats.length, 'no seat in two holds')
    const event = await api.request('GET', `/v1/events/${eventId}`)
    const box = event.body.sections.find((s: { id: string }) => s.id === 'box')
    const lawn = event.body.sections.find((s: { id: string }) => s.id === 'lawn')
    t.equal(box.held, heldSeats.length, 'box held count matches the winning holds')
    t.equal(lawn.held, won.length, 'lawn units held only by winners (losers took nothing)')
    await assertCountsConsistent(t, api, eventId)
  })
})
