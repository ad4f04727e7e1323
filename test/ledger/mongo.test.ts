import { randomBytes } from 'node:crypto'
import mongoose from 'mongoose'
import type { mongo } from 'mongoose'
import t from 'tap'
import { createMongoLedger } from '../../src/ledger/mongo.js'
import { BatchRefusedError, LedgerUnavailableError } from '../../src/ledger/port.js'
import { connectLedger, LedgerConnectError } from '../../src/ledger/select.js'
import { mongoTarget, openLedger } from '../helpers/ledgers.js'
import { ledgerContract } from './contract.js'

const target = await mongoTarget(t)

t.test('mongodb ledger contract', { skip: target.skip }, async (t) => {
  ledgerContract(t, (t) => openLedger(t, target), {
    unreachable: async () => createMongoLedger('mongodb://127.0.0.1:1/x'),
  })
})

t.test('mongodb specifics', { skip: target.skip }, async (t) => {
  const url = target.url as string
  const commands: { name: string; command: mongo.Document }[] = []
  const ledger = createMongoLedger(url, { onCommand: (name, command) => commands.push({ name, command }) })
  t.teardown(() => ledger.close())
  await ledger.init()
  // A plain connection of the test's own, to look at (and plant) documents as they are stored.
  const conn = await mongoose.createConnection(url).asPromise()
  t.teardown(() => conn.close())
  const db = conn.db
  if (!db) throw new Error('no database handle')
  type Doc = { _id: string; [field: string]: unknown }
  const eventId = `mg-${randomBytes(5).toString('hex')}`
  await ledger.createEvent({
    id: eventId,
    name: 'Mongo',
    startsAt: null,
    currency: 'EUR',
    createdAt: new Date().toISOString(),
    sections: [
      { id: 'ga', name: 'GA', kind: 'ga', price: 100, capacity: 1000 },
      { id: 'one', name: 'One', kind: 'ga', price: 100, capacity: 1 },
    ],
  })

  t.test(
    'voidHold is written with majority write concern, and read back with majority read concern',
    async (t) => {
      commands.length = 0
      const holdId = `h-${randomBytes(5).toString('hex')}`
      const fence = await ledger.voidHold(eventId, holdId, 'EUR')
      t.equal(fence.status, 'voided')
      const insert = commands.find((c) => c.name === 'insert' && c.command.insert === 'reservations')
      t.same(insert?.command.writeConcern, { w: 'majority' }, 'the insert carries writeConcern majority')
      const read = commands.find((c) => c.name === 'find' && c.command.find === 'reservations')
      t.same(read?.command.readConcern, { level: 'majority' }, 'the read of the slot is a majority read')
    },
  )

  t.test('count shards: a section count is spread, summed on read, never below zero', async (t) => {
    const shards = await db.collection('sectioncounts').find({ eventId, sectionId: 'ga' }).toArray()
    t.ok(shards.length > 1, `${shards.length} count documents for one section`)
    t.equal(
      shards.reduce((sum, d) => sum + (d.remaining as number), 0),
      1000,
      'their remaining counts add up to the capacity',
    )
    const single = await db.collection('sectioncounts').countDocuments({ eventId, sectionId: 'one' })
    t.equal(single, 1, 'a section of capacity 1 has one')
    await t.rejects(
      ledger.confirmBatch(
        Array.from({ length: 2 }, () => ({
          reservationId: `r-${randomBytes(5).toString('hex')}`,
          holdId: `h-${randomBytes(5).toString('hex')}`,
          eventId,
          holder: 'x',
          items: [{ section: 'one', quantity: 1 }],
          amount: 100,
          currency: 'EUR',
          paymentRef: null,
          tokenHash: 'x'.repeat(64),
          createdAt: new Date().toISOString(),
        })),
      ),
      BatchRefusedError,
    )
  })

  t.test('a section written before count shards is migrated by init, its sales kept', async (t) => {
    const legacyEvent = `legacy-${randomBytes(5).toString('hex')}`
    await db.collection<Doc>('events').insertOne({
      _id: legacyEvent,
      name: 'Legacy',
      startsAt: null,
      currency: 'EUR',
      createdAt: new Date(),
      sections: [{ id: 'ga', name: 'GA', kind: 'ga', price: 100, capacity: 50 }],
    })
    await db.collection<Doc>('sections').insertOne({
      _id: `${legacyEvent}\u0000ga`,
      eventId: legacyEvent,
      sectionId: 'ga',
      position: 0,
      kind: 'ga',
      capacity: 50,
      remaining: 41,
    })
    t.same((await ledger.soldState(legacyEvent)).sections[0]?.sold, 9, 'read before migration: 9 sold')
    // Such a section only exists in a database of a release before migrations: no record of step 2.
    await db.collection('migrations').deleteMany({})
    await Promise.all([ledger.init(), ledger.init()])
    const section = await db.collection<Doc>('sections').findOne({ _id: `${legacyEvent}\u0000ga` })
    t.equal(section?.remaining, undefined, 'the single count is gone')
    t.ok((section?.shards as number) > 1, 'the section names its shards')
    t.same((await ledger.soldState(legacyEvent)).sections[0]?.sold, 9, 'still 9 sold, from the shards')
  })
})

// These need no MongoDB server: they check the fail-fast paths of the adapter and of connectLedger.
t.test('an unreachable MongoDB fails fast with LedgerUnavailableError', async (t) => {
  const ledger = createMongoLedger('mongodb://127.0.0.1:1/x')
  t.teardown(() => ledger.close())
  const start = Date.now()
  await t.rejects(ledger.init(), LedgerUnavailableError, 'init')
  t.ok(Date.now() - start < 2500, `init gave up after ${Date.now() - start} ms`)
  const ops: [string, () => Promise<unknown>][] = [
    ['ping', () => ledger.ping()],
    ['getEvent', () => ledger.getEvent('e')],
    ['soldState', () => ledger.soldState('e')],
  ]
  for (const [name, op] of ops) {
    const opStart = Date.now()
    await t.rejects(op(), LedgerUnavailableError, name)
    t.ok(Date.now() - opStart < 100, `${name} answered at once`)
  }
})

t.test('connectLedger with an unreachable mongodb URL', async (t) => {
  const err: unknown = await connectLedger(
    { ledgerUrl: 'mongodb://me:s3cret@127.0.0.1:1/seatlock?replicaSet=rs0', production: true },
    () => undefined,
  ).catch((e: unknown) => e)
  t.type(err, LedgerConnectError)
  const message = (err as Error).message
  t.notMatch(message, /s3cret/)
  t.match(message, /mongodb/)
  t.match(message, /docker compose up -d/)
  t.notMatch(message, /\n/)
})
