/**
 * The confirm group commit against a real ledger: concurrent confirms of one event share transactions,
 * a lone confirm goes at once, a refused batch is settled one by one, an unreachable ledger fails the
 * batch at once. The ledger is wrapped only to count the calls that reach it.
 */
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { GroupCommit } from '../../src/ledger/group-commit.js'
import type { BatchOutcome } from '../../src/ledger/group-commit.js'
import { CapacityExceededError, SeatsTakenError } from '../../src/domain/errors.js'
import { LedgerUnavailableError } from '../../src/ledger/port.js'
import type { Ledger } from '../../src/ledger/port.js'
import { nextTurn } from '../helpers/busy-loop.js'
import { openLedger, postgresTarget } from '../helpers/ledgers.js'
import { ledgerSale } from '../helpers/sales.js'

const rand = (): string => randomBytes(6).toString('hex')

/** The ledger, counting the confirm calls that reach it. */
function counting(ledger: Ledger) {
  const calls = { confirm: 0, confirmBatch: 0, batchSizes: [] as number[] }
  const wrapped: Ledger = Object.create(ledger) as Ledger
  wrapped.confirm = (i) => {
    calls.confirm++
    return ledger.confirm(i)
  }
  wrapped.confirmBatch = (inputs) => {
    calls.confirmBatch++
    calls.batchSizes.push(inputs.length)
    return ledger.confirmBatch(inputs)
  }
  return { wrapped, calls }
}

const target = await postgresTarget()

t.test('group commit', async (t) => {
  const ledger = await openLedger(t, target)

  async function event(sections: { id: string; capacity: number; seats?: string[] }[]): Promise<string> {
    const id = `gc-${rand()}`
    await ledger.createEvent({
      id,
      name: id,
      startsAt: null,
      currency: 'EUR',
      createdAt: new Date().toISOString(),
      sections: sections.map((s) => ({
        id: s.id,
        name: s.id,
        kind: s.seats ? 'seated' : 'ga',
        price: 100,
        capacity: s.capacity,
        ...(s.seats ? { seats: s.seats } : {}),
      })),
    })
    return id
  }

  t.test('a lone confirm goes straight to the ledger, alone', async (t) => {
    const eventId = await event([{ id: 'ga', capacity: 10 }])
    const { wrapped, calls } = counting(ledger)
    const outcomes: BatchOutcome[] = []
    const group = new GroupCommit(wrapped, { concurrency: 1, onTransaction: (_, o) => outcomes.push(o) })
    const result = await group.confirm(ledgerSale(eventId, [{ section: 'ga', quantity: 2 }]))
    t.equal(result.created, true)
    t.same(calls, { confirm: 1, confirmBatch: 0, batchSizes: [] }, 'one plain confirm, no batch')
    t.same(outcomes, ['single'])
  })

  t.test('300 concurrent confirms in one section share a handful of transactions, none alone', async (t) => {
    const seats = Array.from({ length: 300 }, (_, i) => `S${i + 1}`)
    const eventId = await event([
      { id: 'ga', capacity: 300 },
      { id: 'hall', capacity: 300, seats },
    ])
    const { wrapped, calls } = counting(ledger)
    const sizes: number[] = []
    const group = new GroupCommit(wrapped, {
      maxBatch: 100,
      concurrency: 1,
      onTransaction: (n) => sizes.push(n),
    })
    const inputs = Array.from({ length: 300 }, (_, i) =>
      i % 2 === 0
        ? ledgerSale(eventId, [{ section: 'ga', quantity: 2 }])
        : ledgerSale(eventId, [{ section: 'hall', seats: [seats[i] as string, seats[i - 1] as string] }]),
    )
    const results = await Promise.all(inputs.map((i) => group.confirm(i)))
    t.ok(
      results.every((r) => r.created),
      'every confirm created its reservation',
    )
    const transactions = sizes.length
    t.ok(transactions <= 10, `300 confirms in ${transactions} transactions (sizes ${sizes.join(', ')})`)
    t.ok(
      calls.batchSizes.every((n) => n <= 100),
      'no batch over maxBatch',
    )
    t.equal(calls.confirm, 0, 'none ran by itself: the first went with the rest of its turn')
    t.same(calls.batchSizes, [100, 100, 100], 'three full batches')
    const state = await ledger.soldState(eventId)
    t.same(
      state.sections.map((s) => [s.id, s.sold, s.soldSeats.length]),
      [
        ['ga', 300, 0],
        ['hall', 300, 300],
      ],
      'the ledger counted every unit once',
    )
  })

  t.test('a refused batch is settled one by one: only the bad confirm fails', async (t) => {
    const eventId = await event([
      { id: 'ga', capacity: 5 },
      { id: 'hall', capacity: 3, seats: ['A', 'B', 'C'] },
    ])
    await ledger.confirm(ledgerSale(eventId, [{ section: 'hall', seats: ['A'] }]))
    const { wrapped, calls } = counting(ledger)
    const outcomes: BatchOutcome[] = []
    const group = new GroupCommit(wrapped, { concurrency: 1, onTransaction: (_, o) => outcomes.push(o) })
    // The first goes alone (its own turn); the next four queue behind it and form one batch, which the sold
    // seat A refuses.
    const first = group.confirm(ledgerSale(eventId, [{ section: 'ga', quantity: 1 }]))
    await nextTurn()
    const rest = [
      group.confirm(ledgerSale(eventId, [{ section: 'ga', quantity: 1 }])),
      group.confirm(ledgerSale(eventId, [{ section: 'hall', seats: ['A'] }])),
      group.confirm(ledgerSale(eventId, [{ section: 'hall', seats: ['B'] }])),
      group.confirm(ledgerSale(eventId, [{ section: 'ga', quantity: 4 }])),
    ]
    const settled = await Promise.allSettled([first, ...rest])
    t.same(outcomes, ['single', 'refused'], 'the batch of four was refused as a whole')
    t.equal(calls.confirm, 5, 'then each of the four was confirmed on its own')
    t.same(
      settled.map((r) => r.status),
      ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'rejected'],
      'only the sold seat and the unit that no longer fits fail',
    )
    t.type((settled[2] as PromiseRejectedResult).reason, SeatsTakenError)
    t.type((settled[4] as PromiseRejectedResult).reason, CapacityExceededError)
    const state = await ledger.soldState(eventId)
    t.same(
      state.sections.map((s) => [s.id, s.sold]),
      [
        ['ga', 2],
        ['hall', 2],
      ],
    )
  })

  t.test('an unreachable ledger fails every confirm of the batch at once', async (t) => {
    const eventId = await event([{ id: 'ga', capacity: 50 }])
    const down: Ledger = Object.create(ledger) as Ledger
    let batchCalls = 0
    let confirmCalls = 0
    down.confirm = async () => {
      confirmCalls++
      await new Promise((resolve) => setImmediate(resolve))
      throw new LedgerUnavailableError('down')
    }
    down.confirmBatch = async () => {
      batchCalls++
      throw new LedgerUnavailableError('down')
    }
    const group = new GroupCommit(down, { concurrency: 1 })
    const confirm = () => group.confirm(ledgerSale(eventId, [{ section: 'ga', quantity: 1 }]))
    // One confirm alone in its turn; 19 more while its transaction is in flight.
    const first = confirm()
    await nextTurn()
    const settled = await Promise.allSettled([first, ...Array.from({ length: 19 }, confirm)])
    t.ok(
      settled.every((r) => r.status === 'rejected' && r.reason instanceof LedgerUnavailableError),
      'all 20 answered LedgerUnavailableError',
    )
    t.same(
      [confirmCalls, batchCalls],
      [1, 0],
      'one attempt: the 19 queued behind it got its answer, nobody retried one by one',
    )
  })

  t.test('events do not wait for each other', async (t) => {
    const one = await event([{ id: 'ga', capacity: 10 }])
    const two = await event([{ id: 'ga', capacity: 10 }])
    const { wrapped, calls } = counting(ledger)
    const group = new GroupCommit(wrapped)
    await Promise.all([
      group.confirm(ledgerSale(one, [{ section: 'ga', quantity: 1 }])),
      group.confirm(ledgerSale(two, [{ section: 'ga', quantity: 1 }])),
    ])
    t.same([calls.confirm, calls.confirmBatch], [2, 0], 'each event ran its own transaction at once')
  })
})
