import type { Test } from 'tap'
import { itemUnits } from '../../src/domain/items.js'
import type { Reservation } from '../../src/domain/reservation.js'
import type { Ledger } from '../../src/ledger/port.js'
import type { TestApp } from './app.js'

export interface Expectations {
  /** Reservation ids of every 2xx confirm the test saw. */
  confirmed: Iterable<string>
  /** Every hold id the test created: a reservation must come from one of them. */
  holds: Iterable<string>
}

async function allReservations(ledger: Ledger, eventId: string): Promise<Reservation[]> {
  const all: Reservation[] = []
  let cursor: string | null = null
  do {
    const page = await ledger.listReservations(eventId, 100, cursor)
    all.push(...page.items)
    cursor = page.nextCursor
  } while (cursor)
  return all
}

/**
 * Reads the ledger after a concurrent test: no seat sold twice, each section's remaining count equals
 * capacity minus what its reservations sold, every 2xx confirm is durable, every reservation came from a
 * hold of this test, and the API's counts agree with the ledger.
 */
export async function checkLedgerInvariants(
  t: Test,
  api: Pick<TestApp, 'ledger' | 'request'>,
  eventId: string,
  expect: Expectations,
) {
  const ledger = api.ledger
  const event = await ledger.getEvent(eventId)
  if (!event) throw new Error(`event ${eventId} missing from the ledger`)
  const reservations = await allReservations(ledger, eventId)
  const sold = await ledger.soldState(eventId)

  const seatOwners = new Map<string, string>()
  const twice: string[] = []
  const unitsBySection = new Map<string, number>()
  for (const r of reservations) {
    for (const item of r.items) {
      if ('seats' in item) {
        for (const seat of item.seats) {
          const key = `${item.section}/${seat}`
          if (seatOwners.has(key)) twice.push(key)
          seatOwners.set(key, r.id)
        }
      }
      unitsBySection.set(item.section, (unitsBySection.get(item.section) ?? 0) + itemUnits(item))
    }
  }
  t.same(twice, [], 'ledger: no seat sold twice')

  for (const section of event.sections) {
    const state = sold.sections.find((s) => s.id === section.id)
    const expected = unitsBySection.get(section.id) ?? 0
    t.equal(state?.sold, expected, `ledger: ${section.id} remaining = capacity - sold (${expected} sold)`)
    t.ok(expected <= section.capacity, `ledger: ${section.id} sold within capacity`)
    if (section.kind === 'seated') {
      const fromReservations = [...seatOwners.keys()].filter((k) => k.startsWith(`${section.id}/`)).sort()
      const recorded = (state?.soldSeats ?? []).map((s) => `${section.id}/${s}`).sort()
      t.same(recorded, fromReservations, `ledger: ${section.id} sold-seat records match reservations`)
    }
  }

  const ids = new Set(reservations.map((r) => r.id))
  const missing = [...expect.confirmed].filter((id) => !ids.has(id))
  t.same(missing, [], 'ledger: every 2xx confirm is present')
  const holds = new Set(expect.holds)
  const orphans = reservations.filter((r) => !holds.has(r.holdId)).map((r) => r.id)
  t.same(orphans, [], 'ledger: every reservation came from a hold of this test')
  t.equal(
    new Set(reservations.map((r) => r.holdId)).size,
    reservations.length,
    'ledger: one reservation per hold',
  )

  const view = await api.request('GET', `/v1/events/${eventId}`)
  for (const s of view.body.sections as {
    id: string
    sold: number
    held: number
    available: number
    capacity: number
  }[]) {
    t.equal(s.sold, unitsBySection.get(s.id) ?? 0, `api: ${s.id} sold matches the ledger`)
    t.equal(s.available + s.held + s.sold, s.capacity, `api: ${s.id} available + held + sold = capacity`)
  }
  return reservations
}
