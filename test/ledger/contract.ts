/**
 * The ledger contract: one suite, run against every adapter (test/ledger/postgres.test.ts,
 * test/ledger/mongo.test.ts). Event ids are random so files running in parallel on one database
 * never collide.
 */
import { createHash, randomBytes } from 'node:crypto'
import type { Test } from 'tap'
import {
  CapacityExceededError,
  EventArchivedError,
  EventExistsError,
  EventHasSalesError,
  PricesLockedError,
  SeatsTakenError,
  UnknownEventError,
} from '../../src/domain/errors.js'
import type { EventDefinition } from '../../src/domain/event.js'
import { UnknownPriceTargetError } from '../../src/domain/event-changes.js'
import type { Item } from '../../src/domain/items.js'
import type { Reservation } from '../../src/domain/reservation.js'
import { BlockConflictError } from '../../src/domain/seat-block.js'
import type { SeatBlock } from '../../src/domain/seat-block.js'
import { BatchRefusedError, InvalidCursorError, LedgerUnavailableError } from '../../src/ledger/port.js'
import type { ConfirmInput, Ledger } from '../../src/ledger/port.js'

export interface LedgerContractOptions {
  /** A ledger pointed at an address where nothing listens (not initialised). */
  unreachable: () => Promise<Ledger>
}

const rand = (): string => randomBytes(6).toString('hex')

/** A new seat block of the `vip` section's `seats` (for reason "press" unless `extra` says otherwise). */
function vipBlock(eventId: string, seats: string[], extra: Partial<SeatBlock> = {}): SeatBlock {
  return {
    id: `b-${rand()}`,
    eventId,
    reason: 'press',
    allocation: null,
    releaseAt: null,
    seats: seats.map((seat) => ({ section: 'vip', seat })),
    createdAt: new Date().toISOString(),
    ended: null,
    endedAt: null,
    ...extra,
  }
}

function eventDef(overrides: Partial<EventDefinition> = {}): EventDefinition {
  return {
    id: `ev-${rand()}`,
    name: 'Node.js Meet-up',
    startsAt: '2026-12-01T18:00:00.000Z',
    currency: 'EUR',
    sections: [
      { id: 'vip', name: 'VIP', kind: 'seated', price: 800, capacity: 3, seats: ['A1', 'A2', 'A3'] },
      { id: 'general', name: 'General', kind: 'ga', price: 300, capacity: 5 },
    ],
    createdAt: new Date().toISOString(),
    ...overrides,
  }
}

/** A confirm of `items` for a new hold (new ids, a token digest), as the confirm service would send it. */
export function confirmInput(
  eventId: string,
  items: Item[],
  overrides: Partial<ConfirmInput> = {},
): ConfirmInput {
  return {
    reservationId: `r-${rand()}`,
    holdId: `h-${rand()}`,
    eventId,
    holder: 'user-123',
    items,
    amount: 0,
    currency: 'EUR',
    paymentRef: null,
    tokenHash: createHash('sha256').update(rand()).digest('hex'),
    createdAt: new Date().toISOString(),
    ...overrides,
  }
}

async function sold(
  ledger: Ledger,
  eventId: string,
): Promise<Record<string, { sold: number; seats: string[] }>> {
  const state = await ledger.soldState(eventId)
  return Object.fromEntries(
    state.sections.map((s) => [s.id, { sold: s.sold, seats: [...s.soldSeats].sort() }]),
  )
}

function isPlainError(err: unknown): boolean {
  return (
    err instanceof Error &&
    !(err instanceof SeatsTakenError) &&
    !(err instanceof CapacityExceededError) &&
    !(err instanceof LedgerUnavailableError) &&
    !(err instanceof EventExistsError)
  )
}

/** Run the contract. `open` returns a connected, initialised ledger closed in t's teardown. */
export function ledgerContract(
  t: Test,
  open: (t: Test) => Promise<Ledger>,
  options: LedgerContractOptions,
): void {
  let ledger: Ledger
  /** A second instance (own pool / connection), as a second API process would have. */
  let other: Ledger
  const both = (i: number): Ledger => (i % 2 === 0 ? ledger : other)

  t.before(async () => {
    ledger = await open(t)
    other = await open(t)
  })

  t.test('ping answers and init can run again', async (t) => {
    await ledger.ping()
    await Promise.all([ledger.init(), other.init()])
    t.pass('ping and a repeated, concurrent init resolve')
    t.ok(ledger.kind === 'postgres' || ledger.kind === 'mongodb', `kind is ${ledger.kind}`)
  })

  t.test('createEvent / getEvent round trip', async (t) => {
    const before = await ledger.countEvents()
    const def = eventDef({ startsAt: '2026-12-01T18:00:00Z' })
    await ledger.createEvent(def)
    const got = await ledger.getEvent(def.id)
    t.same(
      got,
      { ...def, startsAt: '2026-12-01T18:00:00.000Z' },
      'definition comes back (dates as ISO with ms)',
    )
    t.equal(got?.sections[0]?.kind, 'seated')
    t.same(got?.sections[0]?.seats, ['A1', 'A2', 'A3'], 'seat labels in the given order')
    t.notOk(got?.sections[1] !== undefined && 'seats' in got.sections[1], 'a GA section has no seats field')
    t.ok((await ledger.countEvents()) >= before + 1, 'countEvents grew')
    t.equal(await ledger.getEvent(`missing-${rand()}`), null, 'unknown event gives null')

    const noStart = eventDef({ startsAt: null })
    await other.createEvent(noStart)
    t.equal((await ledger.getEvent(noStart.id))?.startsAt, null, 'startsAt null is kept')

    const fresh = await sold(ledger, def.id)
    t.same(fresh, { vip: { sold: 0, seats: [] }, general: { sold: 0, seats: [] } }, 'nothing sold yet')
  })

  t.test('the sales window: kept at creation, replaced, read alone', async (t) => {
    const plain = eventDef({})
    await ledger.createEvent(plain)
    t.same(
      await ledger.getSales(plain.id),
      { openAt: null, closeAt: null, closed: false },
      'an event created without a window is always on sale',
    )
    const sales = { openAt: '2026-09-01T09:00:00Z', closeAt: '2026-12-01T18:00:00Z', closed: false }
    const def = eventDef({ sales })
    await ledger.createEvent(def)
    const iso = { openAt: '2026-09-01T09:00:00.000Z', closeAt: '2026-12-01T18:00:00.000Z', closed: false }
    t.same((await ledger.getEvent(def.id))?.sales, iso, 'the definition carries it (ISO with ms)')
    t.same(await ledger.getSales(def.id), iso, 'read alone')
    t.same(await other.setSalesClosed(def.id, true), { ...iso, closed: true }, 'closed, times kept')
    t.same(await ledger.getSales(def.id), { ...iso, closed: true }, 'every instance reads it')
    t.same((await ledger.getEvent(def.id))?.sales, { ...iso, closed: true })
    t.equal(await ledger.getRevision(def.id), 1, 'a close is a change: the revision goes up')
    t.same(await ledger.setSalesClosed(def.id, false), iso, 'reopened')
    t.same(
      await ledger.setSalesClosed(plain.id, true),
      { openAt: null, closeAt: null, closed: true },
      'an event created without a window can be closed',
    )
    t.equal(await ledger.getSales(`missing-${rand()}`), null, 'unknown event: null')
    t.equal(await ledger.setSalesClosed(`missing-${rand()}`, true), null, 'unknown event: nothing written')
  })

  t.test('updateEvent: name, start, window and prices; prices only before the first sale', async (t) => {
    const def = eventDef({ categories: { P1: 900 } })
    await ledger.createEvent(def)
    t.equal(await ledger.getRevision(def.id), 0, 'never changed: revision 0')
    const changed = await other.updateEvent(def.id, {
      name: 'Renamed',
      startsAt: '2026-12-02T18:00:00Z',
      sales: { closeAt: '2026-12-02T17:00:00Z' },
      sectionPrices: { general: 350 },
      categoryPrices: { P1: 950 },
    })
    const expected = {
      ...def,
      name: 'Renamed',
      startsAt: '2026-12-02T18:00:00.000Z',
      categories: { P1: 950 },
      sections: def.sections.map((s) => (s.id === 'general' ? { ...s, price: 350 } : s)),
      sales: { openAt: null, closeAt: '2026-12-02T17:00:00.000Z', closed: false },
      revision: 1,
    }
    t.same(changed, expected, 'the new definition is returned')
    t.same(await ledger.getEvent(def.id), expected, 'and kept')
    t.equal(await ledger.getRevision(def.id), 1)
    await t.rejects(
      ledger.updateEvent(def.id, { sales: { openAt: '2026-12-03T00:00:00Z' } }),
      /salesOpenAt must be before salesCloseAt/,
      'a window closing before it opens is refused',
    )
    await t.rejects(ledger.updateEvent(def.id, { sectionPrices: { nope: 1 } }), UnknownPriceTargetError)
    await t.rejects(ledger.updateEvent(def.id, { categoryPrices: { P9: 1 } }), UnknownPriceTargetError)
    t.equal(await ledger.updateEvent(`missing-${rand()}`, { name: 'x' }), null, 'unknown event: null')
    t.equal(await ledger.getRevision(`missing-${rand()}`), null)

    await ledger.confirm(confirmInput(def.id, [{ section: 'general', quantity: 1 }]))
    await t.rejects(
      ledger.updateEvent(def.id, { sectionPrices: { general: 400 } }),
      PricesLockedError,
      'after a sale a price is locked',
    )
    await t.rejects(ledger.updateEvent(def.id, { categoryPrices: { P1: 1 } }), PricesLockedError)
    const same = await ledger.updateEvent(def.id, { name: 'Again', sectionPrices: { general: 350 } })
    t.equal(same?.name, 'Again', 'a price given unchanged and other fields still change after a sale')
    t.equal(same?.revision, 2)
  })

  t.test('listEvents: stable order, status at the time given, dates, cursor', async (t) => {
    const day = 24 * 3600 * 1000
    // Starts no other test uses, so the date filter sees only these.
    const base = Date.parse('2400-01-01T00:00:00Z') + Math.floor(Math.random() * 1e6) * day
    const now = Date.parse('2026-06-01T00:00:00Z')
    const iso = (ms: number) => new Date(ms).toISOString()
    const a = eventDef({ id: `a-${rand()}`, startsAt: iso(base + day) })
    const b = eventDef({
      id: `b-${rand()}`,
      startsAt: iso(base + 2 * day),
      sales: { openAt: iso(now + day), closeAt: null, closed: false },
    })
    const c = eventDef({
      id: `c-${rand()}`,
      startsAt: iso(base + 2 * day),
      sales: { openAt: null, closeAt: iso(now - day), closed: false },
    })
    const d = eventDef({ id: `d-${rand()}`, startsAt: iso(base + 3 * day) })
    for (const def of [a, b, c, d]) await ledger.createEvent(def)
    await ledger.setSalesClosed(d.id, true)
    const range = { startsFrom: iso(base), startsBefore: iso(base + 10 * day), now }
    const ids = async (query: Partial<Parameters<Ledger['listEvents']>[0]>) =>
      (await other.listEvents({ ...range, limit: 100, cursor: null, ...query })).items.map((e) => e.id)
    const sameDay = [b.id, c.id].sort()
    t.same(await ids({}), [a.id, ...sameDay, d.id], 'by start, then id')
    t.same(await ids({ status: 'on-sale' }), [a.id])
    t.same(await ids({ status: 'not-yet-open' }), [b.id])
    t.same(await ids({ status: 'ended' }), [c.id])
    t.same(await ids({ status: 'closed' }), [d.id])
    t.same(await ids({ status: 'on-sale', now: now + 2 * day }), [a.id, b.id], 'judged at the time given')
    t.same(await ids({ startsBefore: iso(base + 2 * day) }), [a.id], 'startsBefore excludes its bound')
    const first = await ledger.listEvents({ ...range, limit: 3, cursor: null })
    t.match(first.items[0], { id: a.id, name: a.name, currency: 'EUR', startsAt: a.startsAt })
    t.same(first.items[0]?.sales, { openAt: null, closeAt: null, closed: false })
    t.type(first.nextCursor, 'string')
    const second = await ledger.listEvents({ ...range, limit: 3, cursor: first.nextCursor })
    t.same(
      [...first.items, ...second.items].map((e) => e.id),
      [a.id, ...sameDay, d.id],
      'two pages: each event once, in order',
    )
    t.equal(second.nextCursor, null, 'the last page says so')
    await t.rejects(ledger.listEvents({ ...range, limit: 3, cursor: 'nope' }), InvalidCursorError)
  })

  t.test(
    'archive: state read alone, one archive time, no change afterwards, listed as archived',
    async (t) => {
      const day = 24 * 3600 * 1000
      const base = Date.parse('2500-01-01T00:00:00Z') + Math.floor(Math.random() * 1e6) * day
      const iso = (ms: number) => new Date(ms).toISOString()
      const def = eventDef({
        startsAt: iso(base),
        sales: { openAt: null, closeAt: iso(base), closed: false },
      })
      const live = eventDef({ startsAt: iso(base + day) })
      await ledger.createEvent(def)
      await ledger.createEvent(live)
      t.same(await other.getState(def.id), {
        startsAt: def.startsAt,
        sales: { openAt: null, closeAt: iso(base), closed: false },
        archivedAt: null,
      })
      t.equal(await ledger.getState(`missing-${rand()}`), null, 'unknown: null')
      const revision = (await ledger.getRevision(def.id)) ?? 0
      const at = '2026-07-01T10:00:00.000Z'
      t.equal(await ledger.archiveEvent(def.id, at), at, 'archived at the time given')
      t.equal(
        await other.archiveEvent(def.id, '2026-07-02T00:00:00.000Z'),
        at,
        'a repeat keeps the first time',
      )
      t.equal(await ledger.archiveEvent(`missing-${rand()}`, at), null, 'unknown: null')
      t.equal((await other.getState(def.id))?.archivedAt, at)
      t.equal((await other.getEvent(def.id))?.archivedAt, at, 'the definition carries it')
      t.equal((await other.getEvent(live.id))?.archivedAt, undefined, 'an active one does not')
      t.equal(await other.getRevision(def.id), revision + 1, 'the revision went up: caches drop it')
      await t.rejects(ledger.setSalesClosed(def.id, true), EventArchivedError, 'sales no longer change')
      await t.rejects(ledger.updateEvent(def.id, { name: 'x' }), EventArchivedError, 'nor anything else')
      const range = { startsFrom: iso(base), startsBefore: iso(base + 2 * day), now: base + 2 * day }
      const ids = async (status?: 'archived' | 'ended' | 'on-sale') =>
        (
          await other.listEvents({ ...range, limit: 100, cursor: null, ...(status ? { status } : {}) })
        ).items.map((e) => e.id)
      t.same(await ids(), [def.id, live.id], 'every event without a status filter')
      t.same(await ids('archived'), [def.id], 'archived')
      t.same(await ids('ended'), [], 'an archived event is no longer ended')
      t.same(await ids('on-sale'), [live.id])
      const page = await ledger.listEvents({ ...range, limit: 100, cursor: null })
      t.same(
        page.items.map((e) => e.archivedAt),
        [at, null],
        'the summary says when',
      )
      // An archived event's reservations stay cancellable in the ledger.
      const confirmed = await ledger.confirm(confirmInput(live.id, [{ section: 'general', quantity: 2 }]))
      await ledger.archiveEvent(live.id, at)
      t.equal((await other.cancel(live.id, confirmed.reservation.id))?.status, 'cancelled')
      t.same((await sold(ledger, live.id)).general, { sold: 0, seats: [] }, 'counts given back')
    },
  )

  t.test('deleteEvent: only without reservations; a confirm after it finds no event', async (t) => {
    const empty = eventDef()
    await ledger.createEvent(empty)
    t.equal(await other.deleteEvent(empty.id), true, 'deleted')
    t.equal(await ledger.getEvent(empty.id), null, 'gone')
    t.equal(await ledger.getState(empty.id), null)
    t.equal(await ledger.deleteEvent(empty.id), false, 'a repeat: unknown')
    for (const items of [[{ section: 'general', quantity: 1 }], [{ section: 'vip', seats: ['A1'] }]]) {
      await t.rejects(
        ledger.confirm(confirmInput(empty.id, items)),
        UnknownEventError,
        `a confirm for the deleted event (${items[0]?.section})`,
      )
    }
    t.same((await ledger.listReservations(empty.id, 10, null)).items, [], 'nothing was written')

    const cancelled = eventDef()
    await ledger.createEvent(cancelled)
    const sale = await ledger.confirm(confirmInput(cancelled.id, [{ section: 'vip', seats: ['A2'] }]))
    await ledger.cancel(cancelled.id, sale.reservation.id)
    await t.rejects(other.deleteEvent(cancelled.id), EventHasSalesError, 'a cancelled sale was a sale')
    const voided = eventDef()
    await ledger.createEvent(voided)
    await ledger.voidHold(voided.id, `h-${rand()}`, 'EUR')
    await t.rejects(other.deleteEvent(voided.id), EventHasSalesError, 'any reservation, a void too')
    t.ok(await ledger.getEvent(cancelled.id), 'refused deletes leave the event')
  })

  t.test('deleteEvent: an event that never sold goes with its seat blocks, ended ones too', async (t) => {
    const def = eventDef()
    await ledger.createEvent(def)
    const blockOf = (seats: string[]) => vipBlock(def.id, seats, { reason: 'production' })
    const open = blockOf(['A1', 'A2'])
    const ended = blockOf(['A3'])
    await ledger.createBlock(open)
    await ledger.createBlock(ended)
    await ledger.endBlock(def.id, ended.id, 'unblocked')
    t.equal(await other.deleteEvent(def.id), true, 'deleted, blocks and all')
    t.equal(await ledger.getEvent(def.id), null, 'the event is gone')
    t.same(await ledger.listBlocks(def.id), [], 'and its blocks')
    t.equal(await ledger.getBlock(def.id, open.id), null, 'the open one too')
    // The same id again starts clean: no blocked seat of the old event is left to refuse a block or a sale.
    await ledger.createEvent(def)
    await ledger.createBlock(blockOf(['A1']))
    const sale = await ledger.confirm(confirmInput(def.id, [{ section: 'vip', seats: ['A2'] }]))
    t.equal(sale.created, true, 'a seat the old block held sells')
  })

  t.test(
    'deleteEvent racing confirms: every confirm either sold (and the delete refused) or wrote nothing',
    async (t) => {
      // Half the confirms buy a GA unit, half a seat: each kind's rows must follow the event's fate.
      const seatOf = (i: number) => `S${i}`
      const itemsOf = (i: number): Item[] =>
        i % 2 === 0 ? [{ section: 'general', quantity: 1 }] : [{ section: 'vip', seats: [seatOf(i)] }]
      for (let round = 0; round < 6; round++) {
        const def = eventDef({
          sections: [
            { id: 'general', name: 'General', kind: 'ga', price: 300, capacity: 100 },
            {
              id: 'vip',
              name: 'VIP',
              kind: 'seated',
              price: 800,
              capacity: 10,
              seats: Array.from({ length: 10 }, (_, i) => seatOf(i)),
            },
          ],
        })
        await ledger.createEvent(def)
        const confirms = Array.from({ length: 10 }, (_, i) =>
          both(i).confirm(confirmInput(def.id, itemsOf(i))),
        )
        const deletion = both(round).deleteEvent(def.id)
        const [deleted, ...results] = await Promise.allSettled([deletion, ...confirms])
        const sold = results.filter((r) => r.status === 'fulfilled').length
        const gone = results.filter((r) => r.status === 'rejected' && r.reason instanceof UnknownEventError)
        t.equal(sold + gone.length, results.length, `round ${round}: each confirm sold or found no event`)
        if (deleted?.status === 'fulfilled') {
          t.equal(sold, 0, `round ${round}: deleted, so nothing was sold`)
          t.equal(await ledger.getEvent(def.id), null)
          // No sold seat outlived the event: the same id again sells every seat the losers asked for.
          await ledger.createEvent(def)
          const seats = Array.from({ length: 5 }, (_, k) => seatOf(2 * k + 1))
          const again = await ledger.confirm(confirmInput(def.id, [{ section: 'vip', seats }]))
          t.equal(again.created, true, `round ${round}: the seats are free under the same id`)
        } else {
          t.ok(deleted?.reason instanceof EventHasSalesError, `round ${round}: refused because it sold`)
          t.ok(sold > 0)
          const counted = (await ledger.soldCounts(def.id)).sections.reduce((n, s) => n + s.sold, 0)
          t.equal(counted, sold, 'the ledger counts every sale')
        }
      }
    },
  )

  t.test('a large seated section round-trips', async (t) => {
    const seats = Array.from({ length: 100_000 }, (_, i) => `R${Math.floor(i / 100)}-S${i % 100}`)
    const def = eventDef({
      sections: [
        { id: 'arena', name: 'Arena', kind: 'seated', price: 100, capacity: seats.length, seats },
        ...Array.from({ length: 20 }, (_, i) => ({
          id: `ga${i}`,
          name: `GA ${i}`,
          kind: 'ga' as const,
          price: 50,
          capacity: 1_000_000,
        })),
      ],
    })
    await ledger.createEvent(def)
    const got = await ledger.getEvent(def.id)
    t.equal(got?.sections.length, 21)
    t.equal(got?.sections[0]?.seats?.length, 100_000)
    t.equal(got?.sections[0]?.seats?.[99_999], 'R999-S99', 'last label intact')
    t.same(
      got?.sections.slice(1).map((s) => s.id),
      def.sections.slice(1).map((s) => s.id),
      'section order kept',
    )
  })

  t.test('a layout of rows and price categories round-trips with its labels', async (t) => {
    const rows = [
      { row: 'A', seats: '1-3', accessible: '1', companions: ['2'], category: 'P1' },
      { row: 'B', seats: ['2', '1'], seatCategories: { P2: '1' } },
    ]
    const seats = ['A-1', 'A-2', 'A-3', 'B-2', 'B-1']
    const def = eventDef({
      categories: { P1: 9900, P2: 7900 },
      sections: [
        { id: 'block', name: 'Block', kind: 'seated', price: 4900, capacity: 5, seats, rows },
        { id: 'general', name: 'General', kind: 'ga', price: 300, capacity: 5 },
      ],
    })
    await ledger.createEvent(def)
    t.same(await other.getEvent(def.id), def, 'rows, labels and categories come back')

    const wrong = eventDef({
      categories: def.categories,
      sections: [{ ...def.sections[0]!, seats: ['A-1', 'A-2', 'A-3', 'B-1', 'B-2'], rows }],
    })
    await t.rejects(
      ledger.createEvent(wrong),
      /rows of section block do not give its seats/,
      'labels must match',
    )
    t.equal(await ledger.getEvent(wrong.id), null, 'nothing written')
    const dotted = eventDef({ categories: { 'P.1': 1 } })
    await t.rejects(ledger.createEvent(dotted), /category id P\.1 is not valid/, 'no "." in a category id')
  })

  t.test('createEvent refuses a taken id', async (t) => {
    const def = eventDef()
    await ledger.createEvent(def)
    await t.rejects(ledger.createEvent({ ...def, name: 'Other' }), EventExistsError)
    t.equal((await ledger.getEvent(def.id))?.name, def.name, 'the first definition is kept')

    const raced = eventDef()
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => both(i).createEvent(raced)))
    t.equal(results.filter((r) => r.status === 'fulfilled').length, 1, 'exactly one concurrent create wins')
    t.ok(
      results.every((r) => r.status === 'fulfilled' || r.reason instanceof EventExistsError),
      'the others get EventExistsError',
    )
  })

  t.test('confirm writes the reservation, the seats and the counts', async (t) => {
    const def = eventDef()
    await ledger.createEvent(def)
    const items: Item[] = [
      { section: 'vip', seats: ['A2', 'A1'] },
      { section: 'general', quantity: 2 },
    ]
    const input = confirmInput(def.id, items, { amount: 2200, paymentRef: 'pay-42' })
    const { reservation, created } = await ledger.confirm(input)
    t.equal(created, true)
    t.same(reservation, {
      id: input.reservationId,
      holdId: input.holdId,
      eventId: def.id,
      holder: 'user-123',
      items,
      amount: 2200,
      currency: 'EUR',
      status: 'confirmed',
      paymentRef: 'pay-42',
      tokenHash: input.tokenHash,
      createdAt: input.createdAt,
      cancelledAt: null,
    })
    t.equal(typeof reservation.amount, 'number', 'amount is a JS number')
    t.match(reservation.createdAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    t.same(
      await other.getReservation(def.id, input.reservationId),
      reservation,
      'read back from another instance',
    )
    t.same(await ledger.findReservationByHold(def.id, input.holdId), reservation)
    t.same(await sold(ledger, def.id), {
      vip: { sold: 2, seats: ['A1', 'A2'] },
      general: { sold: 2, seats: [] },
    })
  })

  t.test('confirm is idempotent per hold', async (t) => {
    const def = eventDef()
    await ledger.createEvent(def)
    const input = confirmInput(def.id, [
      { section: 'vip', seats: ['A3'] },
      { section: 'general', quantity: 5 },
    ])
    const first = await ledger.confirm(input)
    t.equal(first.created, true)
    const again = await other.confirm(input)
    t.equal(again.created, false, 'the repeat is reported as not created')
    t.same(again.reservation, first.reservation, 'and returns the same reservation')
    const otherId = await ledger.confirm({
      ...input,
      reservationId: `r-${rand()}`,
      createdAt: new Date().toISOString(),
    })
    t.equal(otherId.created, false)
    t.equal(
      otherId.reservation.id,
      first.reservation.id,
      'a repeat with another reservation id still maps to the hold',
    )
    t.same(
      await sold(ledger, def.id),
      { vip: { sold: 1, seats: ['A3'] }, general: { sold: 5, seats: [] } },
      'counted once (the section is full, yet repeats still answer)',
    )
  })

  t.test('voidHold fences a hold: a late confirm writes nothing; a sale that won is returned', async (t) => {
    const def = eventDef()
    await ledger.createEvent(def)
    const stuck = confirmInput(def.id, [{ section: 'vip', seats: ['A1'] }])
    const voided = await ledger.voidHold(def.id, stuck.holdId, def.currency)
    t.equal(voided.status, 'voided', 'an unconfirmed hold is voided')
    t.same(
      await ledger.voidHold(def.id, stuck.holdId, def.currency),
      voided,
      'voiding twice is the same void',
    )
    const late = await other.confirm(stuck)
    t.equal(late.created, false, 'a confirm after the void writes nothing')
    t.equal(late.reservation.status, 'voided')
    t.same(
      await sold(ledger, def.id),
      { vip: { sold: 0, seats: [] }, general: { sold: 0, seats: [] } },
      'nothing sold',
    )
    t.same((await ledger.listReservations(def.id, 10, null)).items, [], 'voids are never listed')

    const won = confirmInput(def.id, [{ section: 'general', quantity: 2 }])
    const sale = await ledger.confirm(won)
    const slot = await other.voidHold(def.id, won.holdId, def.currency)
    t.equal(slot.status, 'confirmed', 'a hold already sold keeps its sale')
    t.equal(slot.id, sale.reservation.id)

    const racing = confirmInput(def.id, [{ section: 'vip', seats: ['A2'] }])
    const [confirmed, fence] = await Promise.all([
      ledger.confirm(racing),
      other.voidHold(def.id, racing.holdId, def.currency),
    ])
    if (confirmed.created) t.equal(fence.status, 'confirmed', 'the confirm won, the fence sees the sale')
    else t.equal(confirmed.reservation.status, 'voided', 'the fence won, the confirm sold nothing')
    const seats = (await sold(ledger, def.id)).vip?.seats ?? []
    t.same(seats, confirmed.created ? ['A2'] : [], 'the seat is sold exactly when the confirm won')
  })

  t.test('20 concurrent confirms of one hold: one creates, all agree', async (t) => {
    const def = eventDef()
    await ledger.createEvent(def)
    const input = confirmInput(def.id, [
      { section: 'vip', seats: ['A1'] },
      { section: 'general', quantity: 1 },
    ])
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => both(i).confirm(input)))
    t.equal(results.filter((r) => r.created).length, 1, 'exactly one created:true')
    t.equal(results.filter((r) => !r.created).length, 19, '19 created:false')
    t.same(
      [...new Set(results.map((r) => r.reservation.id))],
      [input.reservationId],
      'all the same reservation',
    )
    t.same(await sold(ledger, def.id), { vip: { sold: 1, seats: ['A1'] }, general: { sold: 1, seats: [] } })
    const page = await ledger.listReservations(def.id, 50, null)
    t.equal(page.items.length, 1, 'one reservation in the ledger')
  })

  t.test('concurrent confirms of different holds for one seat: one wins', async (t) => {
    const def = eventDef()
    await ledger.createEvent(def)
    const inputs = Array.from({ length: 10 }, () => confirmInput(def.id, [{ section: 'vip', seats: ['A2'] }]))
    const results = await Promise.allSettled(inputs.map((input, i) => both(i).confirm(input)))
    const won = results.filter((r) => r.status === 'fulfilled')
    t.equal(won.length, 1, 'exactly one confirm succeeds')
    for (const r of results) {
      if (r.status === 'rejected') {
        t.type(r.reason, SeatsTakenError)
        t.same(
          (r.reason as SeatsTakenError).seats,
          [{ section: 'vip', seat: 'A2' }],
          'the error lists the seat',
        )
      }
    }
    t.same((await sold(ledger, def.id)).vip, { sold: 1, seats: ['A2'] })
    t.equal((await ledger.listReservations(def.id, 50, null)).items.length, 1, 'losers left no reservation')
    const losers = inputs.filter((_, i) => results[i]?.status === 'rejected')
    t.equal(await ledger.findReservationByHold(def.id, losers[0]?.holdId ?? ''), null)
  })

  t.test('SeatsTakenError lists every taken seat and the confirm writes nothing', async (t) => {
    const def = eventDef()
    await ledger.createEvent(def)
    await ledger.confirm(confirmInput(def.id, [{ section: 'vip', seats: ['A1'] }]))
    await ledger.confirm(confirmInput(def.id, [{ section: 'vip', seats: ['A3'] }]))
    const input = confirmInput(def.id, [
      { section: 'general', quantity: 2 },
      { section: 'vip', seats: ['A3', 'A2', 'A1'] },
    ])
    const err = await ledger.confirm(input).then(
      () => null,
      (e: unknown) => e,
    )
    t.type(err, SeatsTakenError)
    t.same(
      [...((err as SeatsTakenError).seats ?? [])].sort((a, b) => a.seat.localeCompare(b.seat)),
      [
        { section: 'vip', seat: 'A1' },
        { section: 'vip', seat: 'A3' },
      ],
    )
    t.same(
      await sold(ledger, def.id),
      { vip: { sold: 2, seats: ['A1', 'A3'] }, general: { sold: 0, seats: [] } },
      'A2 and the GA units were not taken',
    )
    t.equal(await ledger.findReservationByHold(def.id, input.holdId), null, 'no reservation')
  })

  t.test('GA: never more than capacity, under concurrency', async (t) => {
    const def = eventDef()
    await ledger.createEvent(def)
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        both(i).confirm(confirmInput(def.id, [{ section: 'general', quantity: 1 }])),
      ),
    )
    t.equal(results.filter((r) => r.status === 'fulfilled').length, 5, 'exactly 5 of 10 succeed (capacity 5)')
    for (const r of results) {
      if (r.status === 'rejected') {
        t.type(r.reason, CapacityExceededError)
        t.equal((r.reason as CapacityExceededError).section, 'general')
        t.equal((r.reason as CapacityExceededError).requested, 1)
      }
    }
    t.same(
      (await sold(ledger, def.id)).general,
      { sold: 5, seats: [] },
      'sold = capacity, remaining 0 not negative',
    )
    await t.rejects(
      ledger.confirm(confirmInput(def.id, [{ section: 'general', quantity: 1 }])),
      CapacityExceededError,
      'a sold-out section refuses',
    )

    const big = eventDef()
    await ledger.createEvent(big)
    const atomic = confirmInput(big.id, [
      { section: 'vip', seats: ['A1'] },
      { section: 'general', quantity: 6 },
    ])
    await t.rejects(ledger.confirm(atomic), CapacityExceededError, 'asking for more than capacity fails')
    t.same(
      await sold(ledger, big.id),
      { vip: { sold: 0, seats: [] }, general: { sold: 0, seats: [] } },
      'all or nothing: the seat of the failed confirm is not sold',
    )
    const exact = await ledger.confirm(confirmInput(big.id, [{ section: 'general', quantity: 5 }]))
    t.equal(exact.created, true, 'exactly the capacity is fine')
  })

  t.test('confirmBatch: many holds in one transaction, repeats answered, counts once', async (t) => {
    const def = eventDef({
      sections: [
        { id: 'vip', name: 'VIP', kind: 'seated', price: 800, capacity: 4, seats: ['A1', 'A2', 'A3', 'A4'] },
        { id: 'general', name: 'General', kind: 'ga', price: 300, capacity: 40 },
      ],
    })
    await ledger.createEvent(def)
    const earlier = confirmInput(def.id, [{ section: 'general', quantity: 3 }])
    const before = await ledger.confirm(earlier)
    const a = confirmInput(def.id, [
      { section: 'vip', seats: ['A2', 'A1'] },
      { section: 'general', quantity: 2 },
    ])
    const b = confirmInput(def.id, [{ section: 'general', quantity: 5 }], { paymentRef: 'pay-b' })
    const c = confirmInput(def.id, [{ section: 'vip', seats: ['A4'] }])
    // a twice (two concurrent confirms of one hold), and a retry of a hold confirmed earlier.
    const results = await ledger.confirmBatch([a, b, a, c, earlier])
    t.equal(results.length, 5, 'one answer per input')
    t.same(
      results.map((r) => [r.reservation.id, r.created]),
      [
        [a.reservationId, true],
        [b.reservationId, true],
        [a.reservationId, false],
        [c.reservationId, true],
        [before.reservation.id, false],
      ],
      'answers in input order; a hold named twice is created once; an earlier sale is a repeat',
    )
    t.equal(results[1]?.reservation.paymentRef, 'pay-b')
    t.same(results[0]?.reservation.items, a.items, 'items as given')
    // Each answer is the stored sale, field for field and type for type (strictSame: null is not undefined,
    // '1' is not 1): a created one and a repeat alike.
    t.strictSame(await other.findReservationByHold(def.id, b.holdId), results[1]?.reservation, 'durable')
    t.strictSame(
      results[0]?.reservation,
      await other.findReservationByHold(def.id, a.holdId),
      'a new sale as stored',
    )
    t.strictSame(results[2]?.reservation, results[0]?.reservation, 'a hold named twice: one sale')
    t.strictSame(results[4]?.reservation, before.reservation, 'an earlier sale as it was answered then')
    t.strictSame(
      results[4]?.reservation,
      await other.findReservationByHold(def.id, earlier.holdId),
      'an earlier sale as stored',
    )
    t.same(await sold(ledger, def.id), {
      vip: { sold: 3, seats: ['A1', 'A2', 'A4'] },
      general: { sold: 10, seats: [] },
    })
    t.same(await ledger.confirmBatch([]), [], 'an empty batch is no transaction')
  })

  t.test('confirmBatch is all or nothing: one refused input and nothing is written', async (t) => {
    const def = eventDef()
    await ledger.createEvent(def)
    const firstSale = await ledger.confirm(confirmInput(def.id, [{ section: 'vip', seats: ['A1'] }]))
    const fine = confirmInput(def.id, [{ section: 'general', quantity: 2 }])
    const idTaken = {
      ...confirmInput(def.id, [{ section: 'general', quantity: 1 }]),
      reservationId: firstSale.reservation.id,
    }
    await t.rejects(
      ledger.confirmBatch([fine, idTaken]),
      BatchRefusedError,
      'a reservation id another hold uses refuses the batch',
    )
    const seatSold = confirmInput(def.id, [{ section: 'vip', seats: ['A1', 'A2'] }])
    await t.rejects(ledger.confirmBatch([fine, seatSold]), BatchRefusedError, 'a sold seat refuses the batch')
    const short = confirmInput(def.id, [{ section: 'general', quantity: 4 }])
    await t.rejects(ledger.confirmBatch([fine, short]), BatchRefusedError, 'a short count refuses the batch')
    const sameSeat = confirmInput(def.id, [{ section: 'vip', seats: ['A3'] }])
    const sameSeatToo = confirmInput(def.id, [{ section: 'vip', seats: ['A3'] }])
    await t.rejects(
      ledger.confirmBatch([sameSeat, sameSeatToo]),
      BatchRefusedError,
      'two holds of one batch for one seat refuse it',
    )
    await t.rejects(
      ledger.confirmBatch([fine, { ...sameSeat, items: [] }]),
      BatchRefusedError,
      'an invalid input refuses the batch',
    )
    await t.rejects(
      ledger.confirmBatch([fine, confirmInput(def.id, [{ section: 'nope', quantity: 1 }])]),
      'an unknown section refuses the batch',
    )
    t.same(
      await sold(ledger, def.id),
      { vip: { sold: 1, seats: ['A1'] }, general: { sold: 0, seats: [] } },
      'nothing of the refused batches was written',
    )
    t.equal(
      await ledger.findReservationByHold(def.id, fine.holdId),
      null,
      'no reservation for the fine input',
    )
    const ok = await ledger.confirmBatch([fine, sameSeat])
    t.same(
      ok.map((r) => r.created),
      [true, true],
      'the same inputs without the refused one commit',
    )
  })

  t.test('confirmBatch answers a fenced hold with its void and sells nothing for it', async (t) => {
    const def = eventDef()
    await ledger.createEvent(def)
    const fenced = confirmInput(def.id, [{ section: 'vip', seats: ['A1'] }])
    await ledger.voidHold(def.id, fenced.holdId, def.currency)
    const live = confirmInput(def.id, [{ section: 'vip', seats: ['A2'] }])
    const [forFenced, forLive] = await ledger.confirmBatch([fenced, live])
    t.equal(forFenced?.reservation.status, 'voided', 'the void holds the slot')
    t.equal(forFenced?.created, false)
    t.equal(forLive?.created, true)
    t.same((await sold(ledger, def.id)).vip, { sold: 1, seats: ['A2'] }, 'only the live hold sold')
  })

  t.test('concurrent batches from two instances never sell past capacity', async (t) => {
    const def = eventDef({
      sections: [{ id: 'general', name: 'General', kind: 'ga', price: 300, capacity: 50 }],
    })
    await ledger.createEvent(def)
    // 8 batches of 10 single units race for 50: whole batches commit or are refused.
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        both(i).confirmBatch(
          Array.from({ length: 10 }, () => confirmInput(def.id, [{ section: 'general', quantity: 1 }])),
        ),
      ),
    )
    const committed = results.filter((r) => r.status === 'fulfilled').length
    t.equal(committed, 5, 'exactly five batches of ten fit')
    for (const r of results) if (r.status === 'rejected') t.type(r.reason, BatchRefusedError)
    t.same((await sold(ledger, def.id)).general, { sold: 50, seats: [] }, 'sold = capacity')
  })

  t.test('cancel gives seats and counts back, once', async (t) => {
    const def = eventDef()
    await ledger.createEvent(def)
    const input = confirmInput(def.id, [
      { section: 'vip', seats: ['A1', 'A2'] },
      { section: 'general', quantity: 5 },
    ])
    const { reservation } = await ledger.confirm(input)
    t.equal(await ledger.cancel(`other-${rand()}`, reservation.id), null, 'wrong event: nothing cancelled')
    t.equal(await ledger.cancel(def.id, `missing-${rand()}`), null, 'unknown reservation: null')

    const cancelled = await other.cancel(def.id, reservation.id)
    t.equal(cancelled?.status, 'cancelled')
    t.equal(cancelled?.id, reservation.id)
    t.same(cancelled?.items, reservation.items)
    t.match(cancelled?.cancelledAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    t.same(await sold(ledger, def.id), { vip: { sold: 0, seats: [] }, general: { sold: 0, seats: [] } })
    t.equal((await ledger.getReservation(def.id, reservation.id))?.status, 'cancelled', 'still readable')
    t.equal(await ledger.cancel(def.id, reservation.id), null, 'cancelling twice gives null')

    const again = await ledger.confirm(
      confirmInput(def.id, [
        { section: 'vip', seats: ['A1'] },
        { section: 'general', quantity: 5 },
      ]),
    )
    t.equal(again.created, true, 'a new hold can buy the returned seat and units')
    t.same(await sold(ledger, def.id), { vip: { sold: 1, seats: ['A1'] }, general: { sold: 5, seats: [] } })

    const repeat = await ledger.confirm(input)
    t.equal(repeat.created, false, 'confirming the cancelled hold again does not resell it')
    t.equal(repeat.reservation.status, 'cancelled')

    const racing = await Promise.all(
      Array.from({ length: 6 }, (_, i) => both(i).cancel(def.id, again.reservation.id)),
    )
    t.equal(racing.filter((r) => r !== null).length, 1, 'concurrent cancels: exactly one succeeds')
    t.same(await sold(ledger, def.id), { vip: { sold: 0, seats: [] }, general: { sold: 0, seats: [] } })
  })

  t.test('seat blocks: all or nothing, one block a seat, ended once, due releases', async (t) => {
    const def = eventDef()
    await ledger.createEvent(def)
    const blockOf = (seats: string[], extra: Partial<SeatBlock> = {}) => vipBlock(def.id, seats, extra)
    await ledger.confirm(confirmInput(def.id, [{ section: 'vip', seats: ['A3'] }]))
    const onSold = await ledger.createBlock(blockOf(['A2', 'A3'])).catch((e: unknown) => e)
    t.ok(onSold instanceof BlockConflictError, 'a sold seat is refused')
    t.same((onSold as BlockConflictError).seats, [{ section: 'vip', seat: 'A3', status: 'sold' }])

    const releaseAt = new Date(Date.now() + 1000).toISOString()
    const first = blockOf(['A1'], { allocation: 'accessible', releaseAt })
    // Two instances race for A1: one block wins, the other is refused and writes nothing.
    const rival = blockOf(['A2', 'A1'])
    const raced = await Promise.allSettled([ledger.createBlock(first), other.createBlock(rival)])
    const won = raced.filter((r) => r.status === 'fulfilled').length
    t.equal(won, 1, 'one of two blocks of the same seat is recorded')
    const refused = raced.find((r) => r.status === 'rejected')
    t.ok(refused?.status === 'rejected' && refused.reason instanceof BlockConflictError, 'the other refused')
    const winner = raced[0]?.status === 'fulfilled' ? first : rival
    t.same(
      (await ledger.listBlocks(def.id)).map((b) => b.id),
      [winner.id],
      'only the winner is listed',
    )
    if (winner !== first) {
      await ledger.discardBlock(def.id, rival.id)
      t.same(await ledger.getBlock(def.id, rival.id), null, 'a discarded block is gone')
      await ledger.createBlock(first)
    }
    t.same(await ledger.getBlock(def.id, first.id), first, 'round trip')
    t.same(await ledger.getBlock(`other-${rand()}`, first.id), null, 'scoped to its event')

    t.same(await ledger.dueReleases(Date.now(), 1000).then((d) => d.filter((b) => b.id === first.id)), [])
    const due = await ledger.dueReleases(Date.parse(releaseAt), 1000)
    t.same(due.filter((b) => b.id === first.id).length, 1, 'due at its time')

    const ends = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        both(i).endBlock(def.id, first.id, i === 0 ? 'released' : 'unblocked'),
      ),
    )
    const kinds = new Set(ends.map((e) => e?.ended))
    t.equal(kinds.size, 1, 'ended once: every caller sees the same end')
    t.match(ends[0], { id: first.id, endedAt: String })
    t.same(await ledger.listBlocks(def.id), [], 'an ended block is not listed')
    t.same(
      await ledger
        .dueReleases(Date.parse(releaseAt) + 60_000, 1000)
        .then((d) => d.filter((b) => b.id === first.id)),
      [],
    )
    t.equal(await ledger.endBlock(def.id, `missing-${rand()}`, 'unblocked'), null, 'unknown: null')
    const again = blockOf(['A1', 'A2'])
    await ledger.createBlock(again)
    t.same(
      (await ledger.listBlocks(def.id)).map((b) => b.id),
      [again.id],
      'its seats can be blocked again',
    )
  })

  t.test('listReservations: newest first, keyset pages, confirmed only', async (t) => {
    const def = eventDef({
      sections: [{ id: 'general', name: 'General', kind: 'ga', price: 300, capacity: 100 }],
    })
    await ledger.createEvent(def)
    const base = Date.parse('2030-01-01T00:00:00.000Z')
    // Two pairs share a timestamp to exercise the id tie-break.
    const offsets = [0, 1000, 1000, 2000, 3000, 3000, 4000, 5000]
    const made: Reservation[] = []
    for (const [i, offset] of offsets.entries()) {
      const id = `r-${i}${rand()}`
      const { reservation } = await both(i).confirm(
        confirmInput(def.id, [{ section: 'general', quantity: 1 }], {
          reservationId: id,
          createdAt: new Date(base + offset).toISOString(),
        }),
      )
      made.push(reservation)
    }
    const gone = made[4] as Reservation
    t.ok(await ledger.cancel(def.id, gone.id), 'one is cancelled')

    const empty = await ledger.listReservations(eventDef().id, 10, null)
    t.same(empty, { items: [], nextCursor: null }, 'an event without reservations')

    const expected = made
      .filter((r) => r.id !== gone.id)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .map((r) => r.id)
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const page = await ledger.listReservations(def.id, 2, cursor)
      t.ok(page.items.length <= 2, 'page size respected')
      t.ok(
        page.items.every((r) => r.status === 'confirmed' && r.eventId === def.id),
        'confirmed of this event only',
      )
      seen.push(...page.items.map((r) => r.id))
      cursor = page.nextCursor
      pages++
    } while (cursor !== null && pages < 20)
    t.same(seen, expected, 'newest first, ties by id descending, nothing missing, no duplicates')
    t.equal(new Set(seen).size, seen.length)
    t.notOk(seen.includes(gone.id), 'cancelled reservation excluded')
    t.equal(pages, Math.ceil(expected.length / 2), 'no extra empty page')

    const all = await ledger.listReservations(def.id, expected.length, null)
    t.equal(all.nextCursor, null, 'exactly one full page: no next cursor')
    t.same(
      all.items.map((r) => r.id),
      expected,
    )

    for (const bad of ['not a cursor', 'abc', Buffer.from('{"x":1}').toString('base64url'), '']) {
      await t.rejects(
        ledger.listReservations(def.id, 2, bad),
        InvalidCursorError,
        `bad cursor ${JSON.stringify(bad)}`,
      )
    }
  })

  t.test('reads are scoped to the event', async (t) => {
    const def = eventDef()
    await ledger.createEvent(def)
    const input = confirmInput(def.id, [{ section: 'general', quantity: 1 }])
    await ledger.confirm(input)
    t.equal(await ledger.getReservation(`other-${rand()}`, input.reservationId), null, 'wrong event: null')
    t.equal(await ledger.getReservation(def.id, `missing-${rand()}`), null, 'unknown id: null')
    t.equal(await ledger.findReservationByHold(`other-${rand()}`, input.holdId), null)
    t.equal(await ledger.findReservationByHold(def.id, `h-${rand()}`), null)
    t.same(await ledger.soldState(`missing-${rand()}`), { sections: [] }, 'soldState of an unknown event')
  })

  t.test('programmer errors are plain errors, not sales refusals', async (t) => {
    const def = eventDef()
    await ledger.createEvent(def)
    const unknownSection = await ledger
      .confirm(confirmInput(def.id, [{ section: 'nope', quantity: 1 }]))
      .then(
        () => null,
        (e: unknown) => e,
      )
    t.ok(isPlainError(unknownSection), `unknown section: ${String(unknownSection)}`)
    const unknownEvent = await ledger
      .confirm(confirmInput(`missing-${rand()}`, [{ section: 'general', quantity: 1 }]))
      .then(
        () => null,
        (e: unknown) => e,
      )
    t.ok(isPlainError(unknownEvent), `unknown event: ${String(unknownEvent)}`)
    const wrongKind = await ledger.confirm(confirmInput(def.id, [{ section: 'vip', quantity: 1 }])).then(
      () => null,
      (e: unknown) => e,
    )
    t.ok(isPlainError(wrongKind), `quantity for a seated section: ${String(wrongKind)}`)
    await t.rejects(
      ledger.confirm(confirmInput(def.id, [{ section: 'vip', seats: ['A1', 'A1'] }])),
      /twice/,
      'duplicate seat in one confirm',
    )
    t.same(
      await sold(ledger, def.id),
      { vip: { sold: 0, seats: [] }, general: { sold: 0, seats: [] } },
      'none of them wrote anything',
    )
  })

  t.test('an unreachable ledger fails fast with LedgerUnavailableError', async (t) => {
    const dead = await options.unreachable()
    t.teardown(() => dead.close())
    const def = eventDef()
    const ops: [string, () => Promise<unknown>][] = [
      ['init', () => dead.init()],
      ['ping', () => dead.ping()],
      ['getEvent', () => dead.getEvent(def.id)],
      ['createEvent', () => dead.createEvent(def)],
      ['confirm', () => dead.confirm(confirmInput(def.id, [{ section: 'general', quantity: 1 }]))],
      ['listReservations', () => dead.listReservations(def.id, 10, null)],
      ['cancel', () => dead.cancel(def.id, 'r-x')],
      ['soldState', () => dead.soldState(def.id)],
    ]
    for (const [name, op] of ops) {
      const start = Date.now()
      const err = await op().then(
        () => null,
        (e: unknown) => e,
      )
      const elapsed = Date.now() - start
      t.type(err, LedgerUnavailableError, `${name} rejects with LedgerUnavailableError`)
      t.ok(elapsed < 2000, `${name} answered in ${elapsed} ms`)
    }
  })
}
