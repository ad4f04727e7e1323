import t from 'tap'
import { createMongoLedger } from '../../src/ledger/mongo.js'
import { LedgerUnavailableError } from '../../src/ledger/port.js'
import { connectLedger, LedgerConnectError } from '../../src/ledger/select.js'
import { mongoTarget, openLedger } from '../helpers/ledgers.js'
import { ledgerContract } from './contract.js'

const target = await mongoTarget(t)

t.test('mongodb ledger contract', { skip: target.skip }, async (t) => {
  ledgerContract(t, (t) => openLedger(t, target), {
    unreachable: async () => createMongoLedger('mongodb://127.0.0.1:1/x'),
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
