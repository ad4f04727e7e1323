/**
 * "N best available" on the seat map page (ui/assets/lib/best.js): which sections are offered, the hold
 * item the form sends, where the picked seats are drawn, and what a refusal says to a person.
 */
import t from 'tap'
import { bestItem, bestRefusal, bestSections, heldPositions, MAX_TOGETHER } from '../../ui/assets/lib/best.js'

t.test('only seated sections given as rows are offered', async (t) => {
  t.same(
    bestSections([
      { id: 'stalls', name: 'Stalls', kind: 'seated', rowNames: ['A', 'B'] },
      { id: 'circle', name: 'Circle', kind: 'seated' },
      { id: 'box', name: 'Box', kind: 'seated', rowNames: [] },
      { id: 'standing', name: 'Standing', kind: 'ga' },
      { id: 'balcony', name: 'Balcony', kind: 'seated', rowNames: ['N'] },
    ]),
    [
      { id: 'stalls', name: 'Stalls' },
      { id: 'balcony', name: 'Balcony' },
    ],
    'in the page order; a plain list of seats, a section without rows or general admission is left out',
  )
  t.same(bestSections([{ id: 'circle', name: 'Circle', kind: 'seated' }]), [], 'none: nothing offered')
})

t.test('the hold item: a quantity of seats together, split only when asked', async (t) => {
  t.same(bestItem('stalls', '3', false), { item: { section: 'stalls', quantity: 3, together: true } })
  t.same(bestItem('stalls', ' 4 ', true), {
    item: { section: 'stalls', quantity: 4, together: true, split: true },
  })
  t.same(bestItem('stalls', String(MAX_TOGETHER), false).item?.quantity, MAX_TOGETHER, 'the most')
  for (const bad of ['', '0', '-2', '2.5', 'three', String(MAX_TOGETHER + 1), '1e3']) {
    t.match(bestItem('stalls', bad, false), { error: /1 to 15 seats/ }, `"${bad}" is not sent`)
  }
  t.same(bestItem('', '2', false), { error: 'Choose a section.' }, 'no section chosen')
})

t.test('the seats the service picked, found on the map by their labels', async (t) => {
  const sections = [{ labels: ['C1', 'C2'] }, { labels: ['A-1', 'A-2', 'A-3', 'B-1', 'B-2', 'B-3'] }, {}]
  const index = new Map([
    ['circle', 0],
    ['stalls', 1],
    ['standing', 2],
  ])
  const held = heldPositions(
    [
      { section: 'stalls', seats: ['B-2', 'A-3', 'B-1'] },
      { section: 'standing' },
      { section: 'gone', seats: ['X-1'] },
    ],
    sections,
    index,
  )
  t.same([...held], [[1, [2, 3, 4]]], 'positions ascending; units and unknown sections left out')
  t.same([...heldPositions([{ section: 'stalls', seats: ['Z-9'] }], sections, index)], [], 'unknown seats')
})

t.test('refusals in words, with their code first', async (t) => {
  const noBlock = (largest: number, available: number) => ({
    statusCode: 409,
    code: 'NO_SEATS_TOGETHER',
    error: 'Conflict',
    message: 'No block of that many seats together is available (details.largest: the most there is)',
    details: { section: 'stalls', requested: 3, largest, available },
  })
  const asked = { sectionName: 'Stalls', quantity: 3, split: false }
  t.equal(
    bestRefusal(noBlock(2, 7), 409, asked),
    'NO_SEATS_TOGETHER: Stalls has no 3 seats together left; at most 2 seats together now (7 free in all). ' +
      'Ask for fewer seats, or accept split seats.',
  )
  t.equal(
    bestRefusal(noBlock(1, 1), 409, asked),
    'NO_SEATS_TOGETHER: Stalls has no 3 seats together left; at most 1 seat together now (1 free in all). ' +
      'Ask for fewer seats, or accept split seats.',
  )
  t.equal(
    bestRefusal(noBlock(0, 4), 409, asked),
    'NO_SEATS_TOGETHER: Stalls has no 3 seats together left; none can be offered together now (4 free in all). ' +
      'Ask for fewer seats, or accept split seats.',
    'largest 0 (the lone-seat rule, say)',
  )
  t.equal(
    bestRefusal(noBlock(2, 2), 409, { ...asked, split: true }),
    'NO_SEATS_TOGETHER: Stalls has no 3 seats left, even split over a row or two; at most 2 seats together ' +
      'now (2 free in all). Ask for fewer seats.',
    'split asked already: not offered again',
  )
  t.equal(
    bestRefusal(noBlock(0, 0), 409, asked),
    'NO_SEATS_TOGETHER: Stalls has no free seats left.',
    'sold out',
  )
  t.equal(
    bestRefusal(noBlock(0, 3), 409, { ...asked, quantity: 1 }),
    'NO_SEATS_TOGETHER: Stalls has no seat to offer; none can be offered together now (3 free in all).',
    'one seat: nothing fewer to ask for',
  )
  t.equal(
    bestRefusal({ code: 'NO_SEATS_TOGETHER', message: 'No block' }, 409, asked),
    'NO_SEATS_TOGETHER: Stalls has no 3 seats together left. Ask for fewer seats, or accept split seats.',
    'without details',
  )
  t.equal(
    bestRefusal({ code: 'NOT_IN_ROWS', message: 'Seats together are picked only…' }, 422, asked),
    'NOT_IN_ROWS: Stalls is not laid out in rows, so seats together cannot be picked there.',
  )
  t.equal(
    bestRefusal(
      { code: 'HOLDER_LIMIT_EXCEEDED', message: 'The holder would exceed the seats allowed' },
      409,
      asked,
    ),
    'HOLDER_LIMIT_EXCEEDED: The holder would exceed the seats allowed',
    'any other refusal as the page shows every refusal',
  )
  t.equal(bestRefusal('<html>', 502, asked), 'HTTP 502', 'an answer outside the contract')
})
