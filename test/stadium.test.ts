/**
 * A 100,000-seat stadium through the API: created in one request (timed, against the 5 s), sold
 * across as any event, and its seat map measured (time printed; the bytes bound asserted).
 */
import t from 'tap'
import { eachLedger, startApp, uniqueId } from './helpers/app.js'
import type { TestApp } from './helpers/app.js'

const SECTIONS = 40
const ROWS = 50
const SEATS_PER_ROW = 50
const SEATS = SECTIONS * ROWS * SEATS_PER_ROW
/** The bound on creating the stadium (measured about 0.4 s on PostgreSQL: a wide margin). */
const CREATE_BOUND_MS = 5000
const SEAT_MAP_BOUND_MS = 200

const rowName = (i: number) => `R${String(i + 1).padStart(2, '0')}`

function stadium(id: string) {
  return {
    id,
    name: 'Stadium',
    categories: { P1: 12000 },
    sections: Array.from({ length: SECTIONS }, (_, s) => ({
      id: `s${s + 1}`,
      name: `Section ${s + 1}`,
      price: 6000,
      rows: Array.from({ length: ROWS }, (_, r) => ({
        row: rowName(r),
        seats: `1-${SEATS_PER_ROW}`,
        ...(r === 0 ? { accessible: '1,50', companions: '2,49', category: 'P1' } : {}),
      })),
    })),
  }
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now()
  const value = await work()
  return { ms: performance.now() - start, value }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] as number
}

async function holdAndConfirm(api: TestApp, eventId: string, items: unknown[]) {
  const held = await api.request('POST', `/v1/events/${eventId}/holds`, { body: { holder: 'fan', items } })
  if (held.status !== 201) throw new Error(`hold refused: ${held.status} ${JSON.stringify(held.body)}`)
  return api.request('POST', `/v1/events/${eventId}/holds/${held.body.id}/confirm`, {
    token: held.body.token,
  })
}

await eachLedger(t, '100,000-seat stadium', async (t, ledger, target) => {
  const api = await startApp(t, ledger, {}, undefined, { jobs: false })
  const id = uniqueId('stadium')

  const created = await timed(() => api.request('POST', '/v1/events', { admin: true, body: stadium(id) }))
  t.equal(created.value.status, 201, 'created in one request')
  t.comment(`[${target.name}] ${SEATS} seats as rows created in ${created.ms.toFixed(0)} ms`)
  t.ok(created.ms <= CREATE_BOUND_MS, `created within ${CREATE_BOUND_MS} ms`)
  t.equal(
    created.value.body.sections.reduce((n: number, s: { capacity: number }) => n + s.capacity, 0),
    SEATS,
    'every seat',
  )

  const labels = Array.from({ length: SEATS }, (_, i) => `L${i}`)
  const list = await timed(() =>
    api.request('POST', '/v1/events', {
      admin: true,
      body: {
        id: uniqueId('flat'),
        name: 'Flat',
        sections: [{ id: 'all', name: 'All', price: 1, seats: labels }],
      },
    }),
  )
  t.equal(list.value.status, 201, 'the list form of 100,000 labels is accepted')
  t.comment(`[${target.name}] ${SEATS} labels as a list created in ${list.ms.toFixed(0)} ms`)

  await t.test('holds and confirms across it work as on any event', async (t) => {
    const first = await holdAndConfirm(api, id, [
      { section: 's1', seats: ['R01-1', 'R01-2'] },
      { section: 's40', seats: ['R50-50'] },
    ])
    t.equal(first.status, 201)
    t.equal(first.body.amount, 12000 * 2 + 6000, 'category price in the first row, section price elsewhere')
    const again = await api.request('POST', `/v1/events/${id}/holds`, {
      body: { holder: 'late', items: [{ section: 's1', seats: ['R01-2'] }] },
    })
    t.match(again, { status: 409, body: { code: 'SEAT_UNAVAILABLE' } }, 'a sold seat is refused')
    await api.request('POST', `/v1/events/${id}/holds`, {
      body: { holder: 'other', items: [{ section: 's20', seats: ['R25-25', 'R25-26'] }] },
    })
    const view = await api.request('GET', `/v1/events/${id}`)
    t.match(view.body.sections[0], { capacity: 2500, sold: 2, held: 0 })
    t.match(view.body.sections[19], { held: 2 })
  })

  await t.test('the seat map of every seat: about one byte a seat, timed', async (t) => {
    const path = `/v1/events/${id}/seat-map`
    const runs: number[] = []
    let bytes = 0
    let body: {
      sections: { id: string; status: string; sold: number; held: number; rows?: { sold: number[] } }[]
    } = {
      sections: [],
    }
    for (let i = 0; i < 5; i++) {
      const run = await timed(async () => {
        const response = await fetch(`${api.url}${path}`)
        const text = await response.text()
        return { status: response.status, text }
      })
      t.equal(run.value.status, 200)
      runs.push(run.ms)
      bytes = Buffer.byteLength(run.value.text)
      body = JSON.parse(run.value.text)
    }
    const ms = median(runs)
    t.comment(
      `[${target.name}] seat map of ${SEATS} seats: median ${ms.toFixed(0)} ms of ${runs.map((r) => r.toFixed(0)).join(', ')}; ` +
        `${bytes} bytes (${(bytes / SEATS).toFixed(2)} a seat)`,
    )
    t.ok(bytes <= 2 * SEATS, 'at most 2 bytes a seat on the wire')
    t.ok(
      ms <= 10 * SEAT_MAP_BOUND_MS,
      `answered within 10 x ${SEAT_MAP_BOUND_MS} ms (a loose check; printed above)`,
    )
    t.equal(body.sections.length, SECTIONS)
    t.equal(
      body.sections.reduce((n, s) => n + s.status.length, 0),
      SEATS,
      'one character a seat',
    )
    const s1 = body.sections[0]
    t.equal(s1?.status.slice(0, 3), 'ssa', 'the sold seats, in layout order')
    t.equal(s1?.rows?.sold[0], 2, 'counted in their row')
    t.equal(body.sections[19]?.status.slice(24 * 50 + 24, 24 * 50 + 26), 'hh', 'the held seats')

    const one = await timed(() => api.request('GET', `${path}?section=s40`))
    t.equal(one.value.body.sections[0].status.at(-1), 's')
    t.comment(`[${target.name}] seat map of one 2,500-seat section: ${one.ms.toFixed(0)} ms`)
  })
})
