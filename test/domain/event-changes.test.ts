/** What an admin may change of an event (src/domain/event-changes.ts). */
import t from 'tap'
import type { EventDefinition } from '../../src/domain/event.js'
import { applyChanges, pricesDiffer, UnknownPriceTargetError } from '../../src/domain/event-changes.js'
import { SalesWindowError } from '../../src/domain/sales-window.js'

const event: EventDefinition = {
  id: 'e',
  name: 'Concert',
  startsAt: '2026-12-01T19:00:00.000Z',
  currency: 'EUR',
  categories: { P1: 900 },
  sections: [
    { id: 's', name: 'S', kind: 'seated', price: 100, capacity: 1, seats: ['A1'] },
    { id: 'g', name: 'G', kind: 'ga', price: 50, capacity: 5 },
  ],
  createdAt: '2026-01-01T00:00:00.000Z',
  sales: { openAt: null, closeAt: '2026-12-01T18:00:00.000Z', closed: true },
}

t.test('only what is given changes; the revision goes up', async (t) => {
  const renamed = applyChanges(event, { name: 'Renamed' })
  t.same(renamed, { ...event, name: 'Renamed', revision: 1 })
  t.equal(applyChanges(renamed, { startsAt: null }).revision, 2)
  t.equal(applyChanges(event, { startsAt: '2026-12-02T20:00:00+01:00' }).startsAt, '2026-12-02T19:00:00.000Z')
})

t.test('a window change merges with the current window and keeps a close by hand', async (t) => {
  const changed = applyChanges(event, { sales: { openAt: '2026-09-01T09:00:00Z' } })
  t.same(changed.sales, {
    openAt: '2026-09-01T09:00:00.000Z',
    closeAt: '2026-12-01T18:00:00.000Z',
    closed: true,
  })
  t.same(applyChanges(event, { sales: { closeAt: null } }).sales, {
    openAt: null,
    closeAt: null,
    closed: true,
  })
  t.throws(() => applyChanges(event, { sales: { openAt: '2026-12-02T00:00:00Z' } }), SalesWindowError)
})

t.test('prices of sections and categories; unknown ones refused; pricesDiffer sees them', async (t) => {
  const priced = applyChanges(event, { sectionPrices: { g: 60 }, categoryPrices: { P1: 950 } })
  t.same(
    priced.sections.map((s) => s.price),
    [100, 60],
  )
  t.same(priced.categories, { P1: 950 })
  t.ok(pricesDiffer(event, priced))
  t.notOk(pricesDiffer(event, applyChanges(event, { sectionPrices: { g: 50 }, name: 'x' })), 'same price')
  t.ok(pricesDiffer(event, applyChanges(event, { categoryPrices: { P1: 1 } })), 'a category price')
  t.throws(() => applyChanges(event, { sectionPrices: { x: 1 } }), UnknownPriceTargetError)
  t.throws(() => applyChanges(event, { categoryPrices: { P2: 1 } }), UnknownPriceTargetError)
})
