/**
 * The PostgreSQL adapter's time budget fails fast when the ledger does not answer, and never because this
 * process was busy: a statement answered while the event loop was blocked past the budget is an answer.
 */
import t from 'tap'
import type { Test } from 'tap'
import { PgClient } from '../../src/ledger/pg-client.js'
import { LEDGER_CALL_BUDGET_MS } from '../../src/ledger/pg-pool.js'
import { LedgerUnavailableError } from '../../src/ledger/port.js'
import { blockLoop } from '../helpers/busy-loop.js'
import { postgresTarget } from '../helpers/ledgers.js'
import { PgCluster } from '../helpers/pg-cluster.js'

function pgClient(t: Test, url: string): PgClient {
  const client = new PgClient(url, { applicationName: 'seatlock-patient-timeouts' })
  t.teardown(() => client.close())
  return client
}

/**
 * Lets a call that was just made reach the wire: its pooled connection and the statement's write happen
 * in promise and nextTick callbacks, which this runs without letting the event loop read any socket.
 */
async function sent(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => process.nextTick(resolve))
}

t.test('a statement answered while the loop was blocked past the budget is an answer', async (t) => {
  const client = pgClient(t, (await postgresTarget()).url as string)
  await client.query('SELECT 1') // a pooled connection, as on the request path
  const answer = client.query<{ one: number }>('SELECT 1 AS one')
  await sent()
  blockLoop(LEDGER_CALL_BUDGET_MS + 500)
  t.same(await answer, [{ one: 1 }])
  const again = client.statement<{ two: number }>('SELECT 2 AS two', [])
  await sent()
  blockLoop(LEDGER_CALL_BUDGET_MS + 500)
  t.same(await again, [{ two: 2 }], 'the same through a retried statement')
})

t.test('a frozen ledger is refused within about the budget, and its connection dropped', async (t) => {
  const cluster = await PgCluster.start(t)
  const client = pgClient(t, cluster.url())
  await client.query('SELECT 1')
  await cluster.freeze()
  t.teardown(() => cluster.thaw())
  const start = performance.now()
  await t.rejects(client.query('SELECT 1'), LedgerUnavailableError)
  const elapsed = performance.now() - start
  t.ok(
    elapsed >= LEDGER_CALL_BUDGET_MS - 5 && elapsed < LEDGER_CALL_BUDGET_MS + 1000,
    `refused after ${Math.round(elapsed)} ms`,
  )
  await cluster.thaw()
  t.same(await client.query('SELECT 3 AS three'), [{ three: 3 }], 'answers again on a fresh connection')
})
