/**
 * The ledger after a run whose confirms all land in one section: every confirm answered 201 is a sale, every
 * sale is of that section and of the units held, no seat is sold twice, and the section's own count agrees
 * with the sales. seatlock on PostgreSQL is read straight from its tables (not through the adapter under
 * test), on MongoDB through the ledger port; the reference from its own sales tables.
 */
import type pg from 'pg'
import { itemUnits } from '../../src/domain/items.js'
import type { Item } from '../../src/domain/items.js'
import type { Ledger } from '../../src/ledger/port.js'

export interface Sale {
  holdId: string
  items: Item[]
}

/** What a ledger holds for one event. */
export interface LedgerView {
  /** seatlock: confirmed reservations; the reference: its sales rows grouped by hold. */
  sales: Sale[]
  /** Sold-seat records of the event, as "section/seat". */
  soldSeats: string[]
  /** The section's own count of units sold (seatlock: capacity − remaining); null where there is none. */
  sectionSold: number | null
}

export interface Expected {
  section: string
  kind: 'ga' | 'seated'
  unitsPerHold: number
  /** Hold ids of every confirm answered 201 (warm-up included). */
  confirmed: Set<string>
  /** Confirms whose answer was cut off when a load run stopped: sold, but never answered (≤ 1 per connection per run). */
  cutOff: number
}

export interface LedgerCheck {
  sales: number
  unitsSold: number
  sectionSold: number | null
  /** Confirms answered 201 that are not in the ledger. */
  missing: number
  /** Sales without a 201: confirms cut off when a run stopped. */
  unanswered: number
  exact: boolean
  problems: string[]
}

export function judge(view: LedgerView, expected: Expected): LedgerCheck {
  const problems: string[] = []
  const holds = new Set(view.sales.map((s) => s.holdId))
  if (holds.size !== view.sales.length) problems.push(`${view.sales.length - holds.size} holds sold twice`)
  let unitsSold = 0
  let stray = 0
  const saleSeats: string[] = []
  for (const sale of view.sales) {
    const [item, ...rest] = sale.items
    const kind = item && 'seats' in item ? 'seated' : 'ga'
    if (!item || rest.length > 0 || item.section !== expected.section || kind !== expected.kind) stray++
    else if (itemUnits(item) !== expected.unitsPerHold) stray++
    for (const i of sale.items) {
      unitsSold += itemUnits(i)
      if ('seats' in i) for (const seat of i.seats) saleSeats.push(`${i.section}/${seat}`)
    }
  }
  if (stray > 0) {
    problems.push(
      `${stray} sales are not ${expected.unitsPerHold} ${expected.kind} units of ${expected.section}`,
    )
  }
  const missing = [...expected.confirmed].filter((h) => !holds.has(h)).length
  if (missing > 0) problems.push(`${missing} confirms answered 201 are not in the ledger`)
  const unanswered = view.sales.length - (expected.confirmed.size - missing)
  if (unanswered > expected.cutOff) {
    problems.push(`${unanswered} sales were never answered 201, more than the ${expected.cutOff} cut off`)
  }
  // Seats: each record once, and the records are exactly the seats of the sales (none for GA).
  const records = new Set(view.soldSeats)
  if (records.size !== view.soldSeats.length) {
    problems.push(`${view.soldSeats.length - records.size} seats are sold twice`)
  }
  const inSales = new Set(saleSeats)
  if (inSales.size !== saleSeats.length)
    problems.push(`${saleSeats.length - inSales.size} seats are in two sales`)
  const unrecorded = saleSeats.filter((s) => !records.has(s)).length
  const orphans = view.soldSeats.filter((s) => !inSales.has(s)).length
  if (unrecorded > 0 || orphans > 0) {
    problems.push(`${unrecorded} sold seats have no record, ${orphans} records belong to no sale`)
  }
  if (view.sectionSold !== null && view.sectionSold !== unitsSold) {
    problems.push(`the section counts ${view.sectionSold} units sold, its sales ${unitsSold}`)
  }
  return {
    sales: view.sales.length,
    unitsSold,
    sectionSold: view.sectionSold,
    missing,
    unanswered,
    exact: problems.length === 0,
    problems,
  }
}

/** seatlock's PostgreSQL ledger, from its tables. Read after the server stopped, so nothing moves. */
export async function seatlockPgView(pool: pg.Pool, eventId: string, section: string): Promise<LedgerView> {
  const sales = await pool.query<{ hold_id: string; items: Item[] }>(
    "SELECT hold_id, items FROM seatlock_reservations WHERE event_id = $1 AND status = 'confirmed'",
    [eventId],
  )
  const seats = await pool.query<{ section_id: string; seat: string }>(
    'SELECT section_id, seat FROM seatlock_sold_seats WHERE event_id = $1',
    [eventId],
  )
  const count = await pool.query<{ sold: number }>(
    'SELECT capacity - remaining AS sold FROM seatlock_sections WHERE event_id = $1 AND section_id = $2',
    [eventId, section],
  )
  return {
    sales: sales.rows.map((r) => ({ holdId: r.hold_id, items: r.items })),
    soldSeats: seats.rows.map((r) => `${r.section_id}/${r.seat}`),
    sectionSold: count.rows[0]?.sold ?? null,
  }
}

/** seatlock's ledger through its port (MongoDB: no tables to read directly). */
export async function seatlockPortView(
  ledger: Ledger,
  eventId: string,
  section: string,
): Promise<LedgerView> {
  const sales: Sale[] = []
  let cursor: string | null = null
  do {
    const page = await ledger.listReservations(eventId, 1000, cursor)
    for (const r of page.items) sales.push({ holdId: r.holdId, items: r.items })
    cursor = page.nextCursor
  } while (cursor !== null)
  const state = await ledger.soldState(eventId)
  return {
    sales,
    soldSeats: state.sections.flatMap((s) => s.soldSeats.map((seat) => `${s.id}/${seat}`)),
    sectionSold: state.sections.find((s) => s.id === section)?.sold ?? null,
  }
}

/**
 * The reference's sales: seat rows (bench_sales) and general-admission rows (bench_ga_sales), grouped by
 * hold. It keeps no sold count apart from them (its Redis counter includes units still held).
 */
export async function referenceView(pool: pg.Pool, eventId: string): Promise<LedgerView> {
  const seats = await pool.query<{ hold_id: string; section_id: string; seat: string }>(
    "SELECT hold_id, section_id, seat FROM bench_sales WHERE server = 'reference' AND event_id = $1",
    [eventId],
  )
  const ga = await pool.query<{ hold_id: string; section_id: string; quantity: number }>(
    "SELECT hold_id, section_id, quantity FROM bench_ga_sales WHERE server = 'reference' AND event_id = $1",
    [eventId],
  )
  const byHold = new Map<string, Item[]>()
  const itemsOf = (holdId: string) => {
    let items = byHold.get(holdId)
    if (!items) byHold.set(holdId, (items = []))
    return items
  }
  for (const r of seats.rows) {
    const items = itemsOf(r.hold_id)
    const item = items.find((i) => i.section === r.section_id && 'seats' in i)
    if (item && 'seats' in item) item.seats.push(r.seat)
    else items.push({ section: r.section_id, seats: [r.seat] })
  }
  for (const r of ga.rows) itemsOf(r.hold_id).push({ section: r.section_id, quantity: r.quantity })
  return {
    sales: [...byHold].map(([holdId, items]) => ({ holdId, items })),
    soldSeats: seats.rows.map((r) => `${r.section_id}/${r.seat}`),
    sectionSold: null,
  }
}
