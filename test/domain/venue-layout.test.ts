import t from 'tap'
import { expandRows, expandSeatList, LayoutError, MAX_SECTION_SEATS } from '../../src/domain/venue-layout.js'

const none = new Set<string>()

t.test('a seat list: ranges forwards and backwards, single seats, literal lists', async (t) => {
  t.same(expandSeatList('1-3,5, 7-6,12A'), ['1', '2', '3', '5', '7', '6', '12A'])
  t.same(expandSeatList(['1-2', '3']), ['1-2', '3'], 'list entries are taken literally')
  t.same(expandSeatList('08-11'), ['08', '09', '10', '11'], 'leading zeros are kept')
  t.same(expandSeatList('9-011'), ['009', '010', '011'], 'to the wider end')
  t.throws(() => expandSeatList('A1-A5'), { message: /"A1-A5" is not a range of whole numbers/ })
  t.throws(() => expandSeatList('1-3,,4'), LayoutError, 'an empty part')
  t.throws(() => expandSeatList('a b'), LayoutError, 'not a seat')
  t.throws(() => expandSeatList('1-200000'), { message: /more than 100000 seats/ })
  t.throws(() => expandSeatList(['1', '2', '3'], 2), { message: /more than 2 seats/ })
})

t.test('rows become labels "<row>-<seat>" in the order given, with row lengths', async (t) => {
  const out = expandRows(
    [
      { row: 'A', seats: '1-3' },
      { row: 'B', seats: ['3', '2', '1'] },
    ],
    none,
  )
  t.same(out.labels, ['A-1', 'A-2', 'A-3', 'B-3', 'B-2', 'B-1'])
  t.same(out.rowNames, ['A', 'B'])
  t.same(out.rowLengths, [3, 3])
  t.same(out.accessible, [])
  t.equal(out.categories.size, 0)
})

t.test('wheelchair spaces and companions by position; categories per row and per seat', async (t) => {
  const out = expandRows(
    [
      { row: 'A', seats: '1-4', accessible: '2', companions: ['1', '3'], category: 'P1' },
      { row: 'B', seats: '1-4', seatCategories: { P2: '1,4' } },
      { row: 'C', seats: '1-2', category: 'P1', seatCategories: { P2: ['2'] } },
    ],
    new Set(['P1', 'P2']),
  )
  t.same(out.accessible, [1])
  t.same(out.companions, [0, 2])
  t.same(Object.fromEntries(out.categories), {
    'A-1': 'P1',
    'A-2': 'P1',
    'A-3': 'P1',
    'A-4': 'P1',
    'B-1': 'P2',
    'B-4': 'P2',
    'C-1': 'P1',
    'C-2': 'P2',
  })
})

t.test('what a layout may not say', async (t) => {
  const P = new Set(['P1', 'P2'])
  const refused: [string, Parameters<typeof expandRows>[0], RegExp][] = [
    [
      'a repeated row',
      [
        { row: 'A', seats: '1' },
        { row: 'A', seats: '2' },
      ],
      /row A is given twice/,
    ],
    ['a repeated seat', [{ row: 'A', seats: '1-3,2' }], /seat A-2 is given twice/],
    [
      'labels of two rows that meet',
      [
        { row: 'A', seats: ['1-2'] },
        { row: 'A-1', seats: '2' },
      ],
      /A-1-2 is given twice/,
    ],
    ['an empty row', [{ row: 'A', seats: [] }], /row A has no seats/],
    ['a label over 64 characters', [{ row: 'R'.repeat(60), seats: '10000' }], /not a valid identifier/],
    [
      'an accessible seat outside the row',
      [{ row: 'A', seats: '1-3', accessible: '4' }],
      /accessible seat 4 is not in row A/,
    ],
    [
      'accessible and companion at once',
      [{ row: 'A', seats: '1-3', accessible: '2', companions: '2-3' }],
      /listed twice/,
    ],
    ['an unknown row category', [{ row: 'A', seats: '1', category: 'P9' }], /unknown category P9/],
    [
      'an unknown seat category',
      [{ row: 'A', seats: '1', seatCategories: { P9: '1' } }],
      /unknown category P9/,
    ],
    [
      'two categories for a seat',
      [{ row: 'A', seats: '1-2', seatCategories: { P1: '1-2', P2: '2' } }],
      /A-2 is given two categories/,
    ],
    ['a bad range in a row', [{ row: 'A', seats: '1-2,?' }], /row A: "\?" is not a seat/],
  ]
  for (const [what, rows, message] of refused)
    t.throws(() => expandRows(rows, P), { name: 'LayoutError', message }, what)
})

t.test('a section has at most MAX_SECTION_SEATS seats over all its rows', async (t) => {
  const rows = Array.from({ length: 3 }, (_, i) => ({ row: `R${i}`, seats: `1-${MAX_SECTION_SEATS / 2}` }))
  t.throws(() => expandRows(rows, none), { message: /the section has more than 100000 seats/ })
  t.equal(expandRows(rows.slice(0, 2), none).labels.length, MAX_SECTION_SEATS)
})
