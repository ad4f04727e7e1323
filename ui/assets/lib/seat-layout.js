/**
 * Where every seat is drawn, in CSS pixels, and how the keyboard moves between seats. Pure: the canvas
 * renderer and the pointer and keyboard handlers all read one layout, so a click, an arrow key and a
 * drawn square always agree on which seat is where.
 *
 * A section given as rows keeps its rows (each centred under the widest, as in a venue); a section given
 * as a plain list of seats is wrapped into rows of a readable width. Sections flow left to right and wrap
 * at the available width, so a phone gets one column and a wide screen several.
 */

export const PAD = 12
export const GAP = 20
export const HEADER = 34
const MIN_SECTION_WIDTH = 150
const MIN_CELL = 3
const MAX_CELL = 16

/**
 * @typedef {{ id: string, name: string, kind: 'seated' | 'ga', capacity: number,
 *   rowLengths?: number[], rowNames?: string[] }} SectionShape
 * @typedef {{ start: number, length: number, name: string, x: number, y: number }} RowBox
 * @typedef {{ id: string, kind: 'seated' | 'ga', x: number, y: number, w: number, h: number,
 *   top: number, gutter: number, rows: RowBox[], rowOf: Int32Array }} SectionBox
 * @typedef {{ width: number, height: number, cell: number, sections: SectionBox[] }} Layout
 */

/** Rows of a section given as a list: about 1.5 times as wide as tall, 10 to 100 seats a row. */
export function listRowLength(capacity) {
  return Math.min(capacity, Math.max(10, Math.min(100, Math.ceil(Math.sqrt(capacity) * 1.5))))
}

function rowLengthsOf(section) {
  if (section.rowLengths && section.rowLengths.length > 0) return section.rowLengths
  const per = listRowLength(section.capacity)
  const lengths = []
  for (let left = section.capacity; left > 0; left -= per) lengths.push(Math.min(per, left))
  return lengths
}

/**
 * The largest seats (up to 16 px) whose layout fits `maxHeight`, else the smallest (3 px). A small venue
 * gets big seats to point at; a large one a drawing about a screen or two high, which a canvas draws
 * and a browser composites quickly (a 20,000-seat venue at 16 px would be some 7,000 px tall).
 *
 * @param {SectionShape[]} sections
 * @param {number} width the drawing's width in CSS pixels
 * @param {number} [maxHeight]
 * @returns {Layout}
 */
export function layoutSeats(sections, width, maxHeight = Infinity) {
  const shapes = sections.map((s) => ({ s, lengths: s.kind === 'seated' ? rowLengthsOf(s) : [] }))
  const widest = Math.max(1, ...shapes.map(({ lengths }) => Math.max(0, ...lengths)))
  const usable = Math.max(60, width - 2 * PAD)
  const largest = Math.max(MIN_CELL, Math.min(MAX_CELL, Math.floor((usable - 28) / widest)))
  let layout
  for (let cell = largest; cell >= MIN_CELL; cell--) {
    layout = layoutWithCell(shapes, width, cell)
    if (layout.height <= maxHeight) break
  }
  return layout
}

function layoutWithCell(shapes, width, cell) {
  // Row names need a gutter only where a cell is big enough to be pointed at and read.
  const gutter = cell >= 8 ? 28 : 0

  const boxes = []
  let x = PAD
  let y = PAD
  let lineHeight = 0
  for (const { s, lengths } of shapes) {
    const rowsWidth = s.kind === 'seated' ? Math.max(...lengths) * cell : 0
    const w = Math.max(MIN_SECTION_WIDTH, gutter + rowsWidth)
    const h = HEADER + (s.kind === 'seated' ? lengths.length * cell : 3 * Math.max(cell, 8))
    if (x > PAD && x + w > width - PAD) {
      x = PAD
      y += lineHeight + GAP
      lineHeight = 0
    }
    const top = y + HEADER
    const rows = []
    const rowOf = new Int32Array(s.kind === 'seated' ? s.capacity : 0)
    let start = 0
    lengths.forEach((length, r) => {
      const rowX = x + gutter + Math.floor((w - gutter - length * cell) / 2 / cell) * cell
      rows.push({ start, length, name: s.rowNames?.[r] ?? '', x: rowX, y: top + r * cell })
      rowOf.fill(r, start, Math.min(start + length, rowOf.length))
      start += length
    })
    boxes.push({ id: s.id, kind: s.kind, x, y, w, h, top, gutter, rows, rowOf })
    x += w + GAP
    lineHeight = Math.max(lineHeight, h)
  }
  return {
    width: Math.max(width, ...boxes.map((b) => b.x + b.w + PAD)),
    height: y + lineHeight + PAD,
    cell,
    sections: boxes,
  }
}

/** The top-left corner of seat `index` of section box `box`. */
export function seatOrigin(layout, box, index) {
  const row = box.rows[box.rowOf[index]]
  return { x: row.x + (index - row.start) * layout.cell, y: row.y }
}

/** The seat under a point, or undefined. @returns {{ section: number, index: number } | undefined} */
export function seatAt(layout, px, py) {
  const cell = layout.cell
  for (let s = 0; s < layout.sections.length; s++) {
    const box = layout.sections[s]
    if (box.kind !== 'seated' || px < box.x || px >= box.x + box.w || py < box.top || py >= box.y + box.h)
      continue
    const row = box.rows[Math.floor((py - box.top) / cell)]
    if (!row) return undefined
    const col = Math.floor((px - row.x) / cell)
    if (col < 0 || col >= row.length) return undefined
    return { section: s, index: row.start + col }
  }
  return undefined
}

function seatedIndices(layout) {
  return layout.sections.flatMap((box, i) => (box.kind === 'seated' && box.rowOf.length > 0 ? [i] : []))
}

/** The first seat of the first seated section, where the keyboard starts. */
export function firstSeat(layout) {
  const [s] = seatedIndices(layout)
  return s === undefined ? undefined : { section: s, index: 0 }
}

/**
 * Where a key moves the keyboard's cursor: arrows by seat and by row (up and down keep the column, as
 * near as the next row allows), Home/End to the ends of the row, Page Up/Down by section. Moving past a
 * section's edge continues into the neighbouring section. Unknown keys: undefined.
 */
export function moveCursor(layout, at, key) {
  const order = seatedIndices(layout)
  const pos = order.indexOf(at.section)
  if (pos < 0) return firstSeat(layout)
  const box = layout.sections[at.section]
  const r = box.rowOf[at.index]
  const row = box.rows[r]
  const col = at.index - row.start
  const prev = order[pos - 1]
  const next = order[pos + 1]
  const inRow = (target, c) => target.start + Math.max(0, Math.min(target.length - 1, c))
  const lastOf = (s) => ({ section: s, index: layout.sections[s].rowOf.length - 1 })
  switch (key) {
    case 'ArrowRight':
      if (at.index + 1 < box.rowOf.length) return { section: at.section, index: at.index + 1 }
      return next === undefined ? at : { section: next, index: 0 }
    case 'ArrowLeft':
      if (at.index > 0) return { section: at.section, index: at.index - 1 }
      return prev === undefined ? at : lastOf(prev)
    case 'ArrowDown': {
      const below = box.rows[r + 1]
      if (below)
        return { section: at.section, index: inRow(below, col + Math.round((row.x - below.x) / layout.cell)) }
      if (next === undefined) return at
      return { section: next, index: inRow(layout.sections[next].rows[0], col) }
    }
    case 'ArrowUp': {
      const above = box.rows[r - 1]
      if (above)
        return { section: at.section, index: inRow(above, col + Math.round((row.x - above.x) / layout.cell)) }
      if (prev === undefined) return at
      const rows = layout.sections[prev].rows
      return { section: prev, index: inRow(rows[rows.length - 1], col) }
    }
    case 'Home':
      return { section: at.section, index: row.start }
    case 'End':
      return { section: at.section, index: row.start + row.length - 1 }
    case 'PageDown':
      return next === undefined ? at : { section: next, index: 0 }
    case 'PageUp':
      return prev === undefined ? { section: at.section, index: 0 } : { section: prev, index: 0 }
    default:
      return undefined
  }
}
