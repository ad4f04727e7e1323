import t from 'tap'
import { sectionSeatMap } from '../../src/domain/seat-map.js'
import { expandRows } from '../../src/domain/venue-layout.js'

t.test('a plain list: one character a seat, section counts, no rows', async (t) => {
  t.same(sectionSeatMap('vip', ['available', 'sold', 'held', 'available']), {
    id: 'vip',
    capacity: 4,
    available: 2,
    held: 1,
    sold: 1,
    blocked: 0,
    status: 'asha',
    accessible: [],
    companions: [],
  })
})

t.test('rows: counts per row from the same characters, attribute positions', async (t) => {
  const layout = expandRows(
    [
      { row: 'A', seats: '1-2', accessible: '2' },
      { row: 'B', seats: '1-3', companions: '1' },
    ],
    new Set(),
  )
  const map = sectionSeatMap('b', ['sold', 'available', 'held', 'held', 'available'], layout)
  t.equal(map.status, 'sahha')
  t.same(map.accessible, [1])
  t.same(map.companions, [2])
  t.same(map.rows, {
    names: ['A', 'B'],
    seats: [2, 3],
    available: [1, 1],
    held: [0, 2],
    sold: [1, 0],
    blocked: [0, 0],
  })
})

t.test('blocked seats: their own character, counted apart from available, held and sold', async (t) => {
  const layout = expandRows(
    [
      { row: 'A', seats: '1-3' },
      { row: 'B', seats: '1-2' },
    ],
    new Set(),
  )
  const map = sectionSeatMap('b', ['blocked', 'available', 'held', 'blocked', 'sold'], layout)
  t.match(map, { status: 'bahbs', available: 1, held: 1, sold: 1, blocked: 2 })
  t.same(map.rows?.blocked, [1, 1])
  t.same(map.rows?.available, [1, 0])
})
