/**
 * Draws the seat map on one canvas. A 20,000-seat venue is 20,000 squares: drawn as one path per colour
 * (a handful of fill calls, not 20,000), and after that only what changed is drawn again, at most once a
 * frame, so hundreds of changes a second cost a few small repaints.
 */
import { count } from './format.js'
import { HEADER, seatOrigin } from './seat-layout.js'
import { seatState } from './seat-status.js'

/** Colours told apart without colour too: held and sold differ in lightness, marks carry the rest. */
export const COLORS = {
  available: '#2f9e5b',
  held: '#e8a100',
  sold: '#59616b',
  blocked: '#c5c9cf',
  selected: '#1f5fd6',
  mine: '#1f5fd6',
  mark: '#ffffff',
  text: '#1b1f24',
  muted: '#4f5862',
  focus: '#111111',
}

/**
 * @typedef {{ id: string, name: string, kind: 'seated' | 'ga', capacity: number, available: number,
 *   held: number, sold: number, status: string, accessible: Set<number>, companions: Set<number>,
 *   selected: Set<number>, mine: Set<number> }} SectionModel
 */

export class SeatRenderer {
  /** @param {HTMLCanvasElement} canvas */
  constructor(canvas) {
    this.canvas = canvas
    this.ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'))
    this.layout = undefined
    /** @type {SectionModel[]} */
    this.sections = []
    this.focus = undefined
    this.showFocus = false
    this.frameRequested = false
    this.dirtyAll = false
    /** @type {Map<number, Set<number>>} */
    this.dirtySeats = new Map()
    /** @type {Set<number>} */
    this.dirtyHeaders = new Set()
    this.framesDrawn = 0
  }

  /** A new layout (first load, a resize): the canvas is sized and everything drawn at the next frame. */
  setLayout(layout, sections) {
    this.layout = layout
    this.sections = sections
    const ratio = window.devicePixelRatio || 1
    this.canvas.width = Math.ceil(layout.width * ratio)
    this.canvas.height = Math.ceil(layout.height * ratio)
    this.canvas.style.width = `${layout.width}px`
    this.canvas.style.height = `${layout.height}px`
    this.ctx.setTransform(ratio, 0, 0, ratio, 0, 0)
    this.invalidateAll()
  }

  invalidateAll() {
    this.dirtyAll = true
    this.request()
  }

  /** Seats of section `s` to draw again (their status, selection or focus changed). */
  invalidateSeats(s, indices) {
    let set = this.dirtySeats.get(s)
    if (!set) this.dirtySeats.set(s, (set = new Set()))
    for (const i of indices) set.add(i)
    this.request()
  }

  invalidateHeader(s) {
    this.dirtyHeaders.add(s)
    this.request()
  }

  request() {
    if (this.frameRequested) return
    this.frameRequested = true
    requestAnimationFrame(() => this.flush())
  }

  /** Draws what is pending now (also called directly when a caller needs the pixels at once). */
  flush() {
    this.frameRequested = false
    if (!this.layout) return
    if (this.dirtyAll) {
      this.drawAll()
    } else {
      for (const s of this.dirtyHeaders) this.drawHeader(s)
      for (const [s, indices] of this.dirtySeats) this.drawSeats(s, indices)
    }
    this.dirtyAll = false
    this.dirtyHeaders.clear()
    this.dirtySeats.clear()
    this.framesDrawn++
  }

  drawAll() {
    const { ctx, layout } = this
    ctx.clearRect(0, 0, layout.width, layout.height)
    this.sections.forEach((section, s) => {
      this.drawHeader(s)
      if (section.kind === 'ga') this.drawGa(s)
      else this.drawSection(s)
    })
  }

  drawHeader(s) {
    const { ctx } = this
    const box = this.layout.sections[s]
    const section = this.sections[s]
    ctx.clearRect(box.x, box.y, box.w, HEADER - 2)
    ctx.fillStyle = COLORS.text
    ctx.font = 'bold 13px system-ui, sans-serif'
    ctx.textBaseline = 'alphabetic'
    ctx.textAlign = 'left'
    ctx.fillText(section.name, box.x, box.y + 13, box.w)
    ctx.fillStyle = COLORS.muted
    ctx.font = '11px system-ui, sans-serif'
    ctx.fillText(
      `${count(section.available)} free · ${count(section.held)} held · ${count(section.sold)} sold`,
      box.x,
      box.y + 27,
      box.w,
    )
    if (section.kind === 'ga') this.drawGa(s)
  }

  /** A general-admission section: one bar split by status (its units have no places to point at). */
  drawGa(s) {
    const { ctx } = this
    const box = this.layout.sections[s]
    const section = this.sections[s]
    const h = box.y + box.h - box.top
    /** @type {[number, string][]} */
    const parts = [
      [section.sold, COLORS.sold],
      [section.held, COLORS.held],
      [section.available, COLORS.available],
    ]
    let x = box.x
    ctx.clearRect(box.x, box.top, box.w, h)
    for (const [n, colour] of parts) {
      const w = section.capacity > 0 ? (n / section.capacity) * box.w : 0
      ctx.fillStyle = colour
      ctx.fillRect(x, box.top, w, h - 2)
      x += w
    }
  }

  /**
   * Every seat of a section, grouped by colour so the fill style is set once per colour (measured in
   * software-rendered Chromium: per-seat style changes, or one Path2D of 20,000 rectangles, cost several
   * times more), then the marks and the row names.
   */
  drawSection(s) {
    const { ctx, layout } = this
    const box = this.layout.sections[s]
    const section = this.sections[s]
    const cell = layout.cell
    const size = cell >= 5 ? cell - 1 : cell
    /** @type {Map<string, number[]>} */
    const byColour = new Map()
    for (let i = 0; i < box.rowOf.length; i++) {
      const colour = this.fillOf(section, i)
      let list = byColour.get(colour)
      if (!list) byColour.set(colour, (list = []))
      list.push(i)
    }
    for (const [colour, list] of byColour) {
      ctx.fillStyle = colour
      for (const i of list) {
        const row = box.rows[box.rowOf[i]]
        ctx.fillRect(row.x + (i - row.start) * cell, row.y, size, size)
      }
    }
    for (const i of section.accessible) this.drawMarks(section, s, i)
    for (const i of section.companions) this.drawMarks(section, s, i)
    for (const i of section.mine) this.drawMarks(section, s, i)
    if (this.focus?.section === s) this.drawMarks(section, s, this.focus.index)
    if (box.gutter > 0) {
      ctx.fillStyle = COLORS.muted
      ctx.font = `${Math.min(10, cell)}px system-ui, sans-serif`
      ctx.textAlign = 'right'
      ctx.textBaseline = 'top'
      for (const row of box.rows) if (row.name) ctx.fillText(row.name, row.x - 3, row.y, box.gutter - 4)
    }
  }

  drawSeats(s, indices) {
    const section = this.sections[s]
    if (section.kind !== 'seated') return
    const { ctx, layout } = this
    const box = layout.sections[s]
    const cell = layout.cell
    const size = cell >= 5 ? cell - 1 : cell
    for (const i of indices) {
      if (i < 0 || i >= box.rowOf.length) continue
      const { x, y } = seatOrigin(layout, box, i)
      ctx.clearRect(x, y, cell, cell)
      ctx.fillStyle = this.fillOf(section, i)
      ctx.fillRect(x, y, size, size)
      this.drawMarks(section, s, i)
    }
  }

  fillOf(section, i) {
    if (section.selected.has(i)) return COLORS.selected
    return COLORS[seatState(section.status[i] ?? 'a')]
  }

  /** Wheelchair space, companion seat, the page's own hold and the keyboard cursor, inside the seat's square. */
  drawMarks(section, s, i) {
    const { ctx, layout } = this
    const cell = layout.cell
    if (cell < 5) return
    const { x, y } = seatOrigin(layout, layout.sections[s], i)
    const size = cell - 1
    const inner = Math.max(1, Math.floor(size / 3))
    ctx.fillStyle = COLORS.mark
    if (section.accessible.has(i)) ctx.fillRect(x + inner, y + inner, size - 2 * inner, size - 2 * inner)
    else if (section.companions.has(i))
      ctx.fillRect(x + inner, y + size - inner, size - 2 * inner, Math.max(1, inner / 2))
    if (section.mine.has(i) && !section.selected.has(i)) {
      ctx.strokeStyle = COLORS.mine
      ctx.lineWidth = 2
      ctx.strokeRect(x + 1, y + 1, size - 2, size - 2)
    }
    if (this.showFocus && this.focus?.section === s && this.focus.index === i) {
      ctx.strokeStyle = COLORS.focus
      ctx.lineWidth = 2
      ctx.strokeRect(x + 1, y + 1, size - 2, size - 2)
    }
  }
}
