/**
 * The seat map page: loads the event and its compact seat map, draws it, keeps it live through the event
 * stream, and wires the buyer and operator panels. State lives in this module's memory only: nothing is
 * written to storage or to the URL (a hold's token least of all).
 */
import { call, segment, API_BASE } from './lib/api.js'
import { createBuyer } from './lib/buyer.js'
import { count } from './lib/format.js'
import { createOperator } from './lib/operator.js'
import { RefreshScheduler } from './lib/refresh.js'
import { SeatRenderer } from './lib/renderer.js'
import { firstSeat, layoutSeats, moveCursor, seatAt, seatOrigin } from './lib/seat-layout.js'
import { changedPositions, seatState } from './lib/seat-status.js'

const CHANGE_TYPES = [
  'hold.created',
  'hold.extended',
  'hold.released',
  'hold.expired',
  'hold.confirmed',
  'reservation.cancelled',
]
/** At most 5 seat map reads a second per viewer, whatever the rate of changes (see lib/refresh.js). */
const REFRESH_GAP_MS = 200
/** Screen readers hear the totals at most this often: an on-sale changes them hundreds of times a second. */
const SUMMARY_EVERY_MS = 10_000

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id))

const eventId = decodeURIComponent(location.pathname.replace(/\/+$/, '').split('/').pop() ?? '')
const eventPath = `v1/events/${segment(eventId)}`

/**
 * @typedef {import('./lib/renderer.js').SectionModel & { price: number, labels?: string[], rowNames?: string[],
 *   rowLengths?: number[] }} PageSection
 */
/** @type {PageSection[]} */
const sections = []
const sectionIndex = new Map()
const canvas = /** @type {HTMLCanvasElement} */ ($('map'))
const renderer = new SeatRenderer(canvas)
let layout
let focus
let labels
/** @type {{ event: any, drawnMs?: number, labelsLoaded: boolean }} */
const state = { event: undefined, drawnMs: undefined, labelsLoaded: false }
const listeners = { change: [], seats: [] }

const scheduler = new RefreshScheduler({ minGapMs: REFRESH_GAP_MS, read: readSeatMap })

function setConnection(text) {
  $('connection').textContent = text
}

/** The model of a section from the event view and, for seated ones, its seat map. */
/** @returns {PageSection} */
function sectionModel(view, map) {
  return {
    id: view.id,
    name: view.name,
    kind: view.kind,
    capacity: view.capacity,
    available: view.available,
    held: view.held,
    sold: view.sold,
    price: view.price,
    status: map?.status ?? '',
    accessible: new Set(map?.accessible ?? []),
    companions: new Set(map?.companions ?? []),
    rowLengths: map?.rows?.seats,
    rowNames: map?.rows?.names,
    selected: new Set(),
    mine: new Set(),
  }
}

async function load() {
  const [event, map] = await Promise.all([call('GET', eventPath), call('GET', `${eventPath}/seat-map`)])
  performance.mark('seat-map-data')
  if (!event.ok || !map.ok) {
    const failed = event.ok ? map : event
    setConnection(
      `Could not load the event: ${failed.body?.code ?? failed.status} ${failed.body?.message ?? ''}`,
    )
    return
  }
  state.event = event.body
  document.title = `${event.body.name} · seat map`
  $('event-name').textContent = event.body.name
  const maps = new Map(map.body.sections.map((s) => [s.id, s]))
  for (const view of event.body.sections) {
    sectionIndex.set(view.id, sections.length)
    sections.push(sectionModel(view, maps.get(view.id)))
  }
  buyer.sectionsLoaded()
  relayout()
  performance.mark('seat-map-laid-out')
  renderer.flush()
  performance.mark('seat-map-painted')
  updateTable()
  requestAnimationFrame(() => {
    state.drawnMs = performance.now()
    performance.mark('seat-map-drawn')
  })
  openStream()
  labels = loadLabels()
  // A failed read is reported when a hold needs the labels (lib/buyer.js), not as an unhandled rejection.
  labels.catch(() => undefined)
}

/** Seat labels, for holds and for what a screen reader says: read once, in the seat map's order. */
async function loadLabels() {
  const res = await call('GET', `${eventPath}/seats`)
  if (!res.ok) throw new Error(res.body?.message ?? `HTTP ${res.status}`)
  for (const s of res.body.sections) {
    const section = sections[sectionIndex.get(s.id)]
    if (section) section.labels = s.seats.map((seat) => seat.seat)
  }
  state.labelsLoaded = true
  announceFocus()
}

function relayout() {
  const width = $('map-wrap').clientWidth
  layout = layoutSeats(sections, width, Math.max(600, window.innerHeight * 1.5))
  renderer.setLayout(layout, sections)
  if (!focus) focus = firstSeat(layout)
  renderer.focus = focus
}

let resizeTimer
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer)
  resizeTimer = setTimeout(() => {
    if (layout && Math.abs($('map-wrap').clientWidth - layout.width) > 1) relayout()
  }, 150)
})

function openStream() {
  const source = new EventSource(new URL(`${eventPath}/stream`, API_BASE))
  source.addEventListener('snapshot', (message) => {
    const view = JSON.parse(message.data)
    applyCounts(view.sections)
    // Changes made while the stream was away were not sent: read the whole map again.
    scheduler.mark('all')
    setConnection('Live')
  })
  for (const type of CHANGE_TYPES) {
    source.addEventListener(type, (message) => {
      const change = JSON.parse(message.data)
      applyCounts(change.sections)
      scheduler.mark(change.sections.map((s) => s.id))
      for (const listener of listeners.change) listener(change)
    })
  }
  source.addEventListener('error', () => {
    setConnection('Reconnecting…')
    // EventSource retries a dropped connection by itself, but not an error answer (a 503 such as
    // TOO_MANY_STREAMS or REDIS_UNAVAILABLE closes it for good): open a new one a little later.
    if (source.readyState === EventSource.CLOSED) setTimeout(openStream, 3000)
  })
}

function applyCounts(counts) {
  for (const c of counts) {
    const s = sectionIndex.get(c.id)
    if (s === undefined) continue
    Object.assign(sections[s], { available: c.available, held: c.held, sold: c.sold })
    renderer.invalidateHeader(s)
  }
  scheduleTable()
}

/** Reads the seat map of some sections (or all) and draws the seats whose status changed. */
async function readSeatMap(target) {
  const reads =
    target === 'all'
      ? [call('GET', `${eventPath}/seat-map`)]
      : target.map((id) => call('GET', `${eventPath}/seat-map?section=${segment(id)}`))
  for (const res of await Promise.all(reads)) {
    if (!res.ok) throw new Error(res.body?.code ?? String(res.status))
    for (const map of res.body.sections) setStatus(sectionIndex.get(map.id), map.status)
  }
}

/** A section's seat statuses changed (a read, or the page's own hold): drawn, and selections kept sane. */
function setStatus(s, status) {
  const section = sections[s]
  if (!section || section.status === status) return
  const changed = changedPositions(section.status, status)
  section.status = status
  const lost = []
  for (const i of changed) {
    if (section.selected.has(i) && seatState(status[i]) !== 'available') {
      section.selected.delete(i)
      lost.push(i)
    }
  }
  renderer.invalidateSeats(s, changed)
  for (const listener of listeners.seats) listener(s, changed, lost)
}

let tableTimer
function scheduleTable() {
  if (tableTimer) return
  tableTimer = setTimeout(() => {
    tableTimer = undefined
    updateTable()
  }, 250)
}

let lastSummary = -Infinity
function updateTable() {
  const rows = sections.map((s) => {
    const tr = document.createElement('tr')
    for (const text of [s.name, count(s.available), count(s.held), count(s.sold)]) {
      const td = document.createElement('td')
      td.textContent = text
      tr.append(td)
    }
    return tr
  })
  $('section-counts').replaceChildren(...rows)
  const now = performance.now()
  if (now - lastSummary >= SUMMARY_EVERY_MS) {
    lastSummary = now
    const sum = (key) => sections.reduce((n, s) => n + s[key], 0)
    $('summary').textContent =
      `${count(sum('available'))} of ${count(sum('capacity'))} available, ${count(sum('held'))} held, ` +
      `${count(sum('sold'))} sold.`
  }
}

// ---- seats: what the cursor is on, selection by pointer and keyboard ----

function label(s, i) {
  const section = sections[s]
  return section.labels?.[i]
}

function describeSeat(s, i) {
  const section = sections[s]
  const box = layout.sections[s]
  const row = box.rows[box.rowOf[i]]
  const name = label(s, i) ?? (row.name ? `row ${row.name}, seat ${i - row.start + 1}` : `seat ${i + 1}`)
  const parts = [`${section.name}, ${name}: ${seatState(section.status[i])}`]
  if (section.accessible.has(i)) parts.push('wheelchair space')
  if (section.companions.has(i)) parts.push('companion seat')
  if (section.mine.has(i)) parts.push('in your hold')
  if (section.selected.has(i)) parts.push('selected')
  return parts.join(', ')
}

function announceFocus() {
  if (!focus || !layout) return
  $('focus-seat').textContent = describeSeat(focus.section, focus.index)
}

function moveFocus(to) {
  if (!to) return
  const before = focus
  focus = to
  renderer.focus = to
  if (before) renderer.invalidateSeats(before.section, [before.index])
  renderer.invalidateSeats(to.section, [to.index])
  announceFocus()
  // Keep the cursor in view when the map scrolls (a phone, a large venue).
  const box = layout.sections[to.section]
  const { x, y } = seatOrigin(layout, box, to.index)
  const wrap = $('map-wrap')
  if (x < wrap.scrollLeft || x > wrap.scrollLeft + wrap.clientWidth - layout.cell) wrap.scrollLeft = x - 20
  const rect = canvas.getBoundingClientRect()
  const top = rect.top + y
  if (top < 0 || top > window.innerHeight - layout.cell) window.scrollBy(0, top - window.innerHeight / 2)
}

const buyer = createBuyer({
  eventPath,
  sections,
  sectionIndex,
  labelsReady: () => labels,
  setStatus,
  invalidate: (s, indices) => renderer.invalidateSeats(s, indices),
  refresh: (ids) => scheduler.mark(ids),
  onSelectionChange: announceFocus,
})
listeners.change.push((change) => buyer.onChange(change))
listeners.seats.push((s, changed, lost) => buyer.onSeats(s, changed, lost))

canvas.addEventListener('click', (event) => {
  if (!layout) return
  const rect = canvas.getBoundingClientRect()
  const hit = seatAt(layout, event.clientX - rect.left, event.clientY - rect.top)
  if (!hit) return
  moveFocus(hit)
  buyer.toggle(hit.section, hit.index)
})

canvas.addEventListener('keydown', (event) => {
  if (!layout || !focus) return
  if (event.key === ' ' || event.key === 'Enter') {
    event.preventDefault()
    buyer.toggle(focus.section, focus.index)
    return
  }
  const to = moveCursor(layout, focus, event.key)
  if (!to) return
  event.preventDefault()
  moveFocus(to)
})
canvas.addEventListener('focus', () => {
  renderer.showFocus = true
  if (focus) renderer.invalidateSeats(focus.section, [focus.index])
  announceFocus()
})
canvas.addEventListener('blur', () => {
  renderer.showFocus = false
  if (focus) renderer.invalidateSeats(focus.section, [focus.index])
})

// ---- modes ----

const operator = createOperator({ eventPath, eventId, sections })
listeners.change.push((change) => operator.onChange(change))

function setMode(mode) {
  $('mode-buyer').setAttribute('aria-pressed', String(mode === 'buyer'))
  $('mode-operator').setAttribute('aria-pressed', String(mode === 'operator'))
  $('buyer').hidden = mode !== 'buyer'
  $('operator').hidden = mode !== 'operator'
}
$('mode-buyer').addEventListener('click', () => setMode('buyer'))
$('mode-operator').addEventListener('click', () => setMode('operator'))

/**
 * What tests and curious people may read from the console: seat states and where seats are drawn.
 * Read-only views of the model; the hold's token is not reachable from here.
 */
const inspector = Object.freeze({
  get drawnMs() {
    return state.drawnMs
  },
  get labelsLoaded() {
    return state.labelsLoaded
  },
  get reads() {
    return scheduler.reads
  },
  get frames() {
    return renderer.framesDrawn
  },
  /** The state of a seat by its label (once labels are loaded) or its position. */
  seat(sectionId, seat) {
    const s = sectionIndex.get(sectionId)
    if (s === undefined) return undefined
    const i = typeof seat === 'number' ? seat : (sections[s].labels ?? []).indexOf(seat)
    return i < 0 ? undefined : seatState(sections[s].status[i])
  },
  /** The labels of the seats of the page's own hold in a section, in the map's order (never its token). */
  mine(sectionId) {
    const section = sections[sectionIndex.get(sectionId)]
    if (!section) return undefined
    return [...section.mine].sort((a, b) => a - b).map((i) => section.labels?.[i] ?? i)
  },
  counts(sectionId) {
    const section = sections[sectionIndex.get(sectionId)]
    return section && { available: section.available, held: section.held, sold: section.sold }
  },
  /** The centre of a seat in the viewport's coordinates (for pointer events). */
  point(sectionId, seat) {
    const s = sectionIndex.get(sectionId)
    if (s === undefined || !layout) return undefined
    const i = typeof seat === 'number' ? seat : (sections[s].labels ?? []).indexOf(seat)
    if (i < 0) return undefined
    const { x, y } = seatOrigin(layout, layout.sections[s], i)
    const rect = canvas.getBoundingClientRect()
    return { x: rect.left + x + layout.cell / 2, y: rect.top + y + layout.cell / 2 }
  },
})

Reflect.set(window, 'seatMapPage', inspector)

void load()
