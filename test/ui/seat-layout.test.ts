/** Where the seat map page draws seats and how its keyboard cursor moves (ui/assets/lib/seat-layout.js). */
import t from 'tap'
import {
  GAP,
  HEADER,
  PAD,
  firstSeat,
  layoutSeats,
  listRowLength,
  moveCursor,
  seatAt,
  seatOrigin,
} from '../../ui/assets/lib/seat-layout.js'

const rows = (id: string, lengths: number[]) => ({
  id,
  name: id,
  kind: 'seated' as const,
  capacity: lengths.reduce((a, b) => a + b, 0),
  rowLengths: lengths,
  rowNames: lengths.map((_, i) => String.fromCharCode(65 + i)),
})

t.test(
  'rows keep their lengths, centred under the widest, and every seat is found where it is drawn',
  async (t) => {
    const layout = layoutSeats([rows('a', [10, 6, 10])], 800)
    const [box] = layout.sections
    t.equal(layout.cell, 16, 'a small venue gets the largest seats')
    t.same(
      box!.rows.map((r) => [r.start, r.length, r.name]),
      [
        [0, 10, 'A'],
        [10, 6, 'B'],
        [16, 10, 'C'],
      ],
    )
    t.equal(box!.rows[1]!.x - box!.rows[0]!.x, 2 * layout.cell, 'the short row is centred (2 seats in)')
    t.equal(box!.top, PAD + HEADER, 'seats start under the header')
    for (let i = 0; i < 26; i++) {
      const { x, y } = seatOrigin(layout, box!, i)
      t.same(seatAt(layout, x + 1, y + 1), { section: 0, index: i }, `seat ${i} is hit where it is drawn`)
    }
    t.equal(
      seatAt(layout, box!.rows[1]!.x - 1, box!.rows[1]!.y + 1),
      undefined,
      'beside a short row: no seat',
    )
    t.equal(seatAt(layout, 1, 1), undefined, 'outside every section: no seat')
  },
)

t.test(
  'sections flow and wrap at the width; a large venue gets smaller seats to fit the height',
  async (t) => {
    const many = Array.from({ length: 6 }, (_, i) => rows(`s${i}`, Array(40).fill(50)))
    const wide = layoutSeats(many, 2000)
    t.equal(wide.sections[0]!.y, wide.sections[1]!.y, 'side by side where they fit')
    const narrow = layoutSeats(many, 375)
    t.ok(
      narrow.sections.every((b) => b.x === PAD),
      'one column at phone width',
    )
    t.ok(narrow.width <= 375, 'nothing wider than the phone')
    const fitted = layoutSeats(many, 1200, 1400)
    t.ok(fitted.height <= 1400, `fits the height asked for (${fitted.height} px)`)
    t.ok(fitted.cell < wide.cell, 'by using smaller seats')
    const tiny = layoutSeats(many, 300, 100)
    t.equal(tiny.cell, 3, 'never smaller than 3 px, even when it cannot fit')
    t.ok(wide.sections[1]!.x >= wide.sections[0]!.x + wide.sections[0]!.w + GAP, 'a gap between sections')
  },
)

t.test('a section given as a list is wrapped into rows; general admission has no seats', async (t) => {
  t.equal(listRowLength(40), 10)
  t.equal(listRowLength(5), 5)
  t.equal(listRowLength(100_000), 100)
  const layout = layoutSeats(
    [
      { id: 'list', name: 'List', kind: 'seated', capacity: 45 },
      { id: 'ga', name: 'Floor', kind: 'ga', capacity: 500 },
    ],
    1000,
  )
  const [list, ga] = layout.sections
  t.same(
    list!.rows.map((r) => r.length),
    [11, 11, 11, 11, 1],
  )
  t.equal(ga!.rows.length, 0)
  t.equal(seatAt(layout, ga!.x + 5, ga!.top + 5), undefined, 'a GA section has no seat to point at')
})

t.test('the keyboard cursor: seats, rows (keeping the column), ends of rows, sections', async (t) => {
  const layout = layoutSeats(
    [rows('a', [10, 6, 10]), { id: 'ga', name: 'GA', kind: 'ga', capacity: 9 }, rows('b', [4])],
    2000,
  )
  const at = (index: number, section = 0) => ({ section, index })
  t.same(firstSeat(layout), at(0))
  t.same(moveCursor(layout, at(0), 'ArrowRight'), at(1))
  t.same(moveCursor(layout, at(0), 'ArrowLeft'), at(0), 'stays at the very first seat')
  t.same(moveCursor(layout, at(4), 'ArrowDown'), at(12), 'down keeps the column (row B starts 2 seats in)')
  t.same(moveCursor(layout, at(0), 'ArrowDown'), at(10), 'down from a column row B lacks: its nearest seat')
  t.same(moveCursor(layout, at(12), 'ArrowUp'), at(4), 'and back up')
  t.same(moveCursor(layout, at(12), 'Home'), at(10))
  t.same(moveCursor(layout, at(12), 'End'), at(15))
  t.same(moveCursor(layout, at(25), 'ArrowRight'), at(0, 2), 'past the last seat: the next seated section')
  t.same(moveCursor(layout, at(0, 2), 'ArrowLeft'), at(25), 'and back')
  t.same(moveCursor(layout, at(3), 'PageDown'), at(0, 2), 'Page Down skips general admission')
  t.same(moveCursor(layout, at(2, 2), 'PageUp'), at(0), 'Page Up')
  t.same(moveCursor(layout, at(20), 'ArrowDown'), at(3, 2), 'down from the last row: the next section')
  t.same(
    moveCursor(layout, at(1, 2), 'ArrowUp'),
    at(17),
    "up from the first row: the previous section's last row",
  )
  t.equal(moveCursor(layout, at(0), 'x'), undefined, 'other keys are not the cursor’s')
})
