/**
 * Versioned MongoDB ledger migrations (src/ledger/mongo-migrations.ts), each test on a database of its
 * own. Needs MONGO_URL (or a local mongod binary): skipped otherwise, with the reason printed.
 */
import { randomBytes } from 'node:crypto'
import type { mongo } from 'mongoose'
import t from 'tap'
import type { Test } from 'tap'
import { createMongoLedger } from '../../src/ledger/mongo.js'
import { MONGO_MIGRATIONS, MONGO_MIGRATIONS_LOCK_ID } from '../../src/ledger/mongo-migrations.js'
import type { MigrationDoc } from '../../src/ledger/mongo-migrations.js'
import { freshMongoDatabase, mongoTarget } from '../helpers/ledgers.js'

const target = await mongoTarget(t)
const ALL_IDS = MONGO_MIGRATIONS.map((s) => s.id)
type Doc = { _id: string; [field: string]: unknown }

/** A database of this test's own (dropped afterwards): its URL and a plain handle to look into it. */
const freshDatabase = (t: Test) => freshMongoDatabase(t, target.url as string, 'mig')

function openLedger(t: Test, url: string, logs: string[] = []) {
  const ledger = createMongoLedger(url, { log: (m) => logs.push(m) })
  t.teardown(() => ledger.close())
  return ledger
}

async function recorded(db: mongo.Db): Promise<number[]> {
  const docs = await db.collection<MigrationDoc>('migrations').find({}).toArray()
  return docs.flatMap((d) => (typeof d._id === 'number' ? [d._id] : [])).sort((a, b) => a - b)
}

const applied = (logs: string[]): string[] => logs.filter((l) => /migration \d+ .* applied/.test(l))

/** A section as a release before count shards wrote it (one `remaining`, no `shards`). */
async function plantLegacySection(db: mongo.Db): Promise<string> {
  const eventId = `legacy-${randomBytes(5).toString('hex')}`
  await db.collection<Doc>('events').insertOne({
    _id: eventId,
    name: 'Legacy',
    startsAt: null,
    currency: 'EUR',
    createdAt: new Date(),
    sections: [{ id: 'ga', name: 'GA', kind: 'ga', price: 100, capacity: 50 }],
  })
  await db.collection<Doc>('sections').insertOne({
    _id: `${eventId}\u0000ga`,
    eventId,
    sectionId: 'ga',
    position: 0,
    kind: 'ga',
    capacity: 50,
    remaining: 41,
  })
  return eventId
}

t.test('mongodb migrations', { skip: target.skip }, async (t) => {
  t.test('a fresh database: every step runs once and is recorded', async (t) => {
    const { url, db } = await freshDatabase(t)
    const logs: string[] = []
    await openLedger(t, url, logs).init()
    t.same(await recorded(db), ALL_IDS, 'every step recorded')
    t.equal(applied(logs).length, ALL_IDS.length, 'each step logged once')
    const indexes = await db.collection('events').indexes()
    t.match(
      indexes.find((i) => i.name === 'archived_start'),
      { key: { archivedAt: 1, startsAt: 1, _id: 1 } },
      'the events listing index (step 3)',
    )
    const collections = (await db.listCollections().toArray()).map((c) => c.name)
    t.ok(collections.length >= 7, `six ledger collections and migrations: ${collections.join(', ')}`)
    t.equal(
      await db.collection<MigrationDoc>('migrations').countDocuments({ _id: MONGO_MIGRATIONS_LOCK_ID }),
      0,
      'lock released',
    )
  })

  t.test('init on an up-to-date database runs nothing and does not wait for the lock', async (t) => {
    const { url, db } = await freshDatabase(t)
    await openLedger(t, url).init()
    // Another process holds the lock (as during a long migration).
    await db.collection<MigrationDoc>('migrations').insertOne({
      _id: MONGO_MIGRATIONS_LOCK_ID,
      owner: 'someone-else',
      expiresAt: new Date(Date.now() + 600_000),
    })
    const logs: string[] = []
    const start = Date.now()
    await openLedger(t, url, logs).init()
    t.ok(Date.now() - start < 2000, `init returned in ${Date.now() - start} ms while the lock was held`)
    t.same(applied(logs), [], 'no step ran again')
  })

  t.test('a step recorded as run is not run again', async (t) => {
    const { url, db } = await freshDatabase(t)
    await openLedger(t, url).init()
    const eventId = await plantLegacySection(db)
    const logs: string[] = []
    await openLedger(t, url, logs).init()
    t.same(applied(logs), [], 'nothing ran')
    const section = await db.collection<Doc>('sections').findOne({ _id: `${eventId}\u0000ga` })
    t.equal(section?.remaining, 41, 'the count step was not replayed (sales migrate that section later)')
  })

  t.test('a database of the previous release upgrades and keeps its data', async (t) => {
    const { url, db } = await freshDatabase(t)
    // The previous release: collections and indexes, a section with one count, no migrations record.
    await openLedger(t, url).init()
    await db.collection('migrations').drop()
    const eventId = await plantLegacySection(db)
    const logs: string[] = []
    const ledger = openLedger(t, url, logs)
    await ledger.init()
    t.same(await recorded(db), ALL_IDS, 'every step recorded')
    const section = await db.collection<Doc>('sections').findOne({ _id: `${eventId}\u0000ga` })
    t.equal(section?.remaining, undefined, 'the single count moved to shards')
    t.same((await ledger.soldState(eventId)).sections[0]?.sold, 9, 'still 9 sold')
  })

  t.test('two ledgers initialising at once run each step once', async (t) => {
    const { url, db } = await freshDatabase(t)
    // Hold the lock briefly so both start while it is taken, then find it free at about the same time.
    await db.collection<MigrationDoc>('migrations').insertOne({
      _id: MONGO_MIGRATIONS_LOCK_ID,
      owner: 'test',
      expiresAt: new Date(Date.now() + 600_000),
    })
    const logs: string[] = []
    const inits = [openLedger(t, url, logs).init(), openLedger(t, url, logs).init()]
    await new Promise((resolve) => setTimeout(resolve, 300))
    await db
      .collection<MigrationDoc>('migrations')
      .deleteOne({ _id: MONGO_MIGRATIONS_LOCK_ID, owner: 'test' })
    await Promise.all(inits)
    for (const id of ALL_IDS) {
      t.equal(logs.filter((l) => l.startsWith(`mongodb: migration ${id} `)).length, 1, `step ${id} ran once`)
    }
    t.same(await recorded(db), ALL_IDS, 'each step recorded once')
  })

  t.test('a lock left by a dead process is taken over once it expires', async (t) => {
    const { url, db } = await freshDatabase(t)
    await db.collection<MigrationDoc>('migrations').insertOne({
      _id: MONGO_MIGRATIONS_LOCK_ID,
      owner: 'dead',
      expiresAt: new Date(Date.now() - 1000),
    })
    await openLedger(t, url).init()
    t.same(await recorded(db), ALL_IDS, 'the steps ran')
  })
})
