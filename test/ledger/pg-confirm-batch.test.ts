/**
 * The PostgreSQL confirm batch as sent (src/ledger/pg-confirm.ts, src/ledger/pg-confirm-batch.ts): how the
 * current function refuses a sold seat, and the batch statement prepared once per connection.
 */
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import t from 'tap'
import type { Test } from 'tap'
import type { EventDefinition } from '../../src/domain/event.js'
import { CONFIRM_BATCH_FUNCTION, CONFIRM_BATCH_V2_FUNCTION } from '../../src/ledger/pg-confirm-batch.js'
import { PgClient } from '../../src/ledger/pg-client.js'
import type { PgClientOptions } from '../../src/ledger/pg-client.js'
import { confirmBatch } from '../../src/ledger/pg-confirm.js'
import { PG } from '../../src/ledger/pg-errors.js'
import { BatchRefusedError } from '../../src/ledger/port.js'
import { createPostgresLedger } from '../../src/ledger/postgres.js'
import { connectLedger } from '../../src/ledger/select.js'
import { freshPostgresDatabase } from '../helpers/ledgers.js'
import { confirmInput } from './contract.js'

const SEATS = ['A1', 'A2', 'A3', 'A4']

/** A migrated database holding one event (seated `vip`, GA `floor`), and its url. */
async function ledgerWithEvent(t: Test, tag: string): Promise<{ url: string; ev: EventDefinition }> {
  const url = await freshPostgresDatabase(t, tag)
  const ledger = createPostgresLedger(url)
  t.teardown(() => ledger.close())
  await ledger.init()
  const ev: EventDefinition = {
    id: `ev-${randomUUID()}`,
    name: 'Batch night',
    startsAt: '2026-12-01T18:00:00.000Z',
    currency: 'EUR',
    sections: [
      { id: 'vip', name: 'VIP', kind: 'seated', price: 800, capacity: SEATS.length, seats: SEATS },
      { id: 'floor', name: 'Floor', kind: 'ga', price: 300, capacity: 10 },
    ],
    createdAt: new Date().toISOString(),
  }
  await ledger.createEvent(ev)
  return { url, ev }
}

/** One pooled connection, so that every statement of a test runs in the same PostgreSQL session. */
function oneConnection(t: Test, url: string, opts: PgClientOptions = {}): PgClient {
  const client = new PgClient(url, { max: 1, warmConnections: 0, ...opts })
  t.teardown(() => client.close())
  return client
}

const seats = (eventId: string, ...labels: string[]) =>
  confirmInput(eventId, [{ section: 'vip', seats: labels }])

async function preparedNames(client: PgClient): Promise<string[]> {
  const rows = await client.query<{ name: string }>('SELECT name FROM pg_prepared_statements ORDER BY name')
  return rows.map((r) => r.name)
}

async function remaining(client: PgClient, eventId: string): Promise<Record<string, number>> {
  const rows = await client.query<{ section_id: string; remaining: number }>(
    'SELECT section_id, remaining FROM seatlock_sections WHERE event_id = $1',
    [eventId],
  )
  return Object.fromEntries(rows.map((r) => [r.section_id, r.remaining]))
}

t.test('a seat sold already refuses the whole batch through its unique key', async (t) => {
  const { url, ev } = await ledgerWithEvent(t, 'batch_unique')
  const client = oneConnection(t, url)
  await confirmBatch(client, [seats(ev.id, 'A1')])
  const fine = seats(ev.id, 'A3')
  const error: unknown = await confirmBatch(client, [fine, seats(ev.id, 'A2', 'A1')]).catch((e: unknown) => e)
  t.type(error, BatchRefusedError, 'refused as a batch: the group commit confirms its holds one by one')
  t.equal(
    ((error as Error).cause as { code?: string } | undefined)?.code,
    PG.uniqueViolation,
    "the seat's unique key said so: no speculative insert and count of what was written",
  )
  t.same(await remaining(client, ev.id), { vip: 3, floor: 10 }, 'nothing of the refused batch was written')
  const [sale] = await confirmBatch(client, [fine])
  t.equal(sale?.created, true, 'the sale refused with it goes through alone')
})

t.test('a batch without seats sells its units and no seat', async (t) => {
  const { url, ev } = await ledgerWithEvent(t, 'batch_units')
  const client = oneConnection(t, url)
  const results = await confirmBatch(client, [
    confirmInput(ev.id, [{ section: 'floor', quantity: 4 }]),
    confirmInput(ev.id, [{ section: 'floor', quantity: 3 }]),
  ])
  t.same(
    results.map((r) => r.created),
    [true, true],
  )
  t.same(await remaining(client, ev.id), { vip: 4, floor: 3 })
  const sold = await client.query('SELECT 1 FROM seatlock_sold_seats WHERE event_id = $1', [ev.id])
  t.equal(sold.length, 0)
})

t.test("the previous release's function sells beside the current one during an upgrade", async (t) => {
  const { url, ev } = await ledgerWithEvent(t, 'batch_v2')
  const client = oneConnection(t, url)
  await confirmBatch(client, [seats(ev.id, 'A1')], CONFIRM_BATCH_V2_FUNCTION)
  await t.rejects(confirmBatch(client, [seats(ev.id, 'A1')]), BatchRefusedError, 'a seat v2 sold refuses v3')
  await confirmBatch(client, [seats(ev.id, 'A2')])
  await t.rejects(
    confirmBatch(client, [seats(ev.id, 'A2')], CONFIRM_BATCH_V2_FUNCTION),
    BatchRefusedError,
    'a seat v3 sold refuses v2',
  )
  t.same(await remaining(client, ev.id), { vip: 2, floor: 10 }, 'one count for both')
})

t.test(
  'the batch statement is prepared once per connection, unless prepared statements are off',
  async (t) => {
    const { url, ev } = await ledgerWithEvent(t, 'batch_prepared')
    const prepared = oneConnection(t, url)
    await confirmBatch(prepared, [seats(ev.id, 'A1')])
    await confirmBatch(prepared, [
      seats(ev.id, 'A2'),
      confirmInput(ev.id, [{ section: 'floor', quantity: 1 }]),
    ])
    t.same(await preparedNames(prepared), [CONFIRM_BATCH_FUNCTION], 'one statement, named after the function')

    const plain = oneConnection(t, url, { preparedStatements: false })
    await confirmBatch(plain, [seats(ev.id, 'A3')])
    t.same(await preparedNames(plain), [], 'off: sent as an unnamed statement')
    t.same(await remaining(plain, ev.id), { vip: 1, floor: 9 }, 'both sold')
  },
)

t.test('PG_PREPARED_STATEMENTS reaches the connections of the ledger the service opens', async (t) => {
  const { url, ev } = await ledgerWithEvent(t, 'batch_setting')
  // What each batch call asked pg for, seen on its way out (the statement runs as usual).
  const names: (string | undefined)[] = []
  const query = pg.Client.prototype.query
  const spy = function (this: pg.Client, ...args: unknown[]) {
    const config = args[0] as { text?: unknown; name?: string } | undefined
    // The batch call only (its text starts so), not a migration creating the function.
    const text = typeof config?.text === 'string' ? config.text : ''
    if (text.startsWith('SELECT b.created') && text.includes(CONFIRM_BATCH_FUNCTION)) names.push(config?.name)
    return (query as (...a: unknown[]) => unknown).apply(this, args)
  }
  pg.Client.prototype.query = spy as typeof query
  t.teardown(() => {
    pg.Client.prototype.query = query
  })
  for (const pgPreparedStatements of [true, false]) {
    const ledger = await connectLedger(
      { ledgerUrl: url, production: true, pgPreparedStatements },
      () => undefined,
    )
    t.teardown(() => ledger.close())
    await ledger.confirm(confirmInput(ev.id, [{ section: 'floor', quantity: 1 }]))
  }
  t.same(names, [CONFIRM_BATCH_FUNCTION, undefined], 'named when on (the default), unnamed when off')
})

t.test(
  'a prepared statement gone from the server: its connection is replaced and the batch goes through',
  async (t) => {
    const { url, ev } = await ledgerWithEvent(t, 'batch_deallocated')
    const client = oneConnection(t, url)
    const backend = async () =>
      (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))[0]?.pid
    await confirmBatch(client, [seats(ev.id, 'A1')])
    const first = await backend()
    // What a pooler in transaction mode, or an operator's DEALLOCATE, does: pg still counts it as prepared.
    await client.query('DEALLOCATE ALL')
    const [sale] = await confirmBatch(client, [seats(ev.id, 'A2')])
    t.equal(sale?.created, true, 'sold, on a second try')
    t.not(await backend(), first, 'on another connection: the one that had lost it was dropped')
    t.same(await preparedNames(client), [CONFIRM_BATCH_FUNCTION], 'which prepared it again')
    t.same(await remaining(client, ev.id), { vip: 2, floor: 10 }, 'sold once')
  },
)
