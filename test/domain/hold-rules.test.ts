import t from 'tap'
import { itemsProblem, repeatedLabels, ttlInRange } from '../../src/domain/hold-rules.js'
import { itemUnits, totalUnits } from '../../src/domain/items.js'
import { amountOf } from '../../src/domain/pricing.js'
import { smallEvent } from '../helpers/small-event.js'

const event = smallEvent()

t.test('units: seats count one each, GA its quantity', async (t) => {
  t.equal(itemUnits({ section: 's', seats: ['S1', 'S2'] }), 2)
  t.equal(itemUnits({ section: 'g', quantity: 4 }), 4)
  t.equal(
    totalUnits([
      { section: 's', seats: ['S1'] },
      { section: 'g', quantity: 4 },
    ]),
    5,
  )
  t.equal(totalUnits([]), 0)
})

t.test('amount: units times their section price', async (t) => {
  t.equal(
    amountOf(event, [
      { section: 's', seats: ['S1', 'S2'] },
      { section: 'g', quantity: 3 },
    ]),
    2 * 500 + 3 * 200,
  )
})

t.test('repeated labels: each once, in the order the repeats appear', async (t) => {
  t.same(repeatedLabels(['a', 'b', 'b', 'a', 'b', 'c']), ['b', 'a'])
  t.same(repeatedLabels(['a', 'b']), [])
})

t.test('items the event can take have no problem', async (t) => {
  t.equal(
    itemsProblem(
      event,
      [
        { section: 's', seats: ['S1', 'S3'] },
        { section: 'g', quantity: 2 },
      ],
      4,
    ),
    null,
  )
})

t.test('each problem, as the rule finds it', async (t) => {
  t.same(itemsProblem(event, [{ section: 'g', quantity: 5 }], 4), {
    kind: 'too-many-units',
    requested: 5,
    limit: 4,
  })
  t.same(
    itemsProblem(event, [{ section: 'nope', quantity: 99 }], 4),
    { kind: 'too-many-units', requested: 99, limit: 4 },
    'size is checked before anything else',
  )
  t.same(itemsProblem(event, [{ section: 'nope', quantity: 1 }], 4), {
    kind: 'unknown-section',
    section: 'nope',
  })
  t.same(
    itemsProblem(
      event,
      [
        { section: 'g', quantity: 1 },
        { section: 'g', quantity: 1 },
      ],
      4,
    ),
    { kind: 'section-repeated', section: 'g' },
  )
  t.same(itemsProblem(event, [{ section: 'g', seats: ['S1'] }], 4), {
    kind: 'wrong-item-kind',
    section: 'g',
    expected: 'quantity',
  })
  t.same(itemsProblem(event, [{ section: 's', quantity: 1 }], 4), {
    kind: 'wrong-item-kind',
    section: 's',
    expected: 'seats',
  })
  t.same(itemsProblem(event, [{ section: 's', seats: ['S1', 'S1', 'Z9'] }], 4), {
    kind: 'duplicate-seats',
    section: 's',
    seats: ['S1'],
  })
  t.same(itemsProblem(event, [{ section: 's', seats: ['S1', 'Z9', 'Z8'] }], 4), {
    kind: 'unknown-seats',
    section: 's',
    seats: ['Z9', 'Z8'],
  })
})

t.test('TTL: whole seconds from 1 to the maximum', async (t) => {
  t.ok(ttlInRange(1, 60))
  t.ok(ttlInRange(60, 60))
  t.notOk(ttlInRange(0, 60))
  t.notOk(ttlInRange(61, 60))
  t.notOk(ttlInRange(1.5, 60))
})
