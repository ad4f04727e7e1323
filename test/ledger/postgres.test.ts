import { createHash, randomUUID } from 'node:crypto'
import net from 'node:net'
import pg from 'pg'
import t from 'tap'
import { batchStatement } from '../../src/ledger/pg-confirm.js'
import { LedgerUnavailableError } from '../../src/ledger/port.js'
import type { ConfirmInput } from '../../src/ledger/port.js'
import { createPostgresLedger } from '../../src/ledger/postgres.js'
import { WARM_CONNECTIONS } from '../../src/ledger/common.js'
import { postgresConnectionString, postgresPoolConfig } from '../../src/ledger/pg-pool.js'
import { eventually } from '../helpers/eventually.js'
import { freshPostgresDatabase, openLedger, postgresTarget } from '../helpers/ledgers.js'
import { ledgerContract } from './contract.js'

const target = await postgresTarget()

t.test('postgres ledger contract', async (t) => {
  ledgerContract(t, (t) => openLedger(t, target), {
    unreachable: async () => createPostgresLedger('postgres://127.0.0.1:1/x'),
  })
})

t.test(
  'a server that accepts but never answers: LedgerUnavailableError after the connect timeout',
  async (t) => {
    const sockets = new Set<net.Socket>()
    const server = net.createServer((socket) => {
      sockets.add(socket)
      socket.on('error', () => undefined)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    t.teardown(() => {
      for (const s of sockets) s.destroy()
      server.close()
    })
    const { port } = server.address() as net.AddressInfo
    const ledger = createPostgresLedger(`postgres://127.0.0.1:${port}/x`)
    t.teardown(() => ledger.close())
    const start = Date.now()
    await t.rejects(ledger.ping(), LedgerUnavailableError)
    const elapsed = Date.now() - start
    t.ok(elapsed < 2000, `answered in ${elapsed} ms`)
  },
)

t.test('a connection killed by the server does not crash the process; the pool recovers', async (t) => {
  const appName = `seatlock-test-${process.pid}-${Date.now()}`
  const log: string[] = []
  const ledger = createPostgresLedger(target.url as string, {
    log: (m) => log.push(m),
    applicationName: appName,
  })
  t.teardown(() => ledger.close())
  await ledger.init()
  await ledger.ping()

  const admin = new pg.Client({ connectionString: postgresConnectionString(target.url as string) })
  await admin.connect()
  t.teardown(() => admin.end())
  const killed = await admin.query(
    'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1',
    [appName],
  )
  const terminated = killed.rowCount ?? 0
  t.ok(terminated >= 1, `terminated the idle pooled connections (${terminated})`)
  await eventually(
    'an idle client error to be logged for every connection terminated',
    () => log.filter((m) => m.includes('idle client error')).length >= terminated,
    {
      deadlineMs: 2000,
    },
  )
  t.pass('the idle client errors were logged, not thrown')
  await ledger.ping()
  t.pass('the next operation gets a fresh connection')
})

t.test('init opens the warm connections; a burst right after is served by them', async (t) => {
  const appName = `seatlock-warm-${process.pid}-${Date.now()}`
  const ledger = createPostgresLedger(target.url as string, { applicationName: appName })
  t.teardown(() => ledger.close())
  await ledger.init()
  const admin = new pg.Client({ connectionString: postgresConnectionString(target.url as string) })
  await admin.connect()
  t.teardown(() => admin.end())
  const backends = async () =>
    (
      await admin.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE application_name = $1 ORDER BY pid',
        [appName],
      )
    ).rows.map((r) => r.pid)
  const warm = await backends()
  t.equal(warm.length, WARM_CONNECTIONS, `${WARM_CONNECTIONS} connections open after init`)
  await Promise.all(Array.from({ length: WARM_CONNECTIONS }, () => ledger.ping()))
  t.same(await backends(), warm, 'the burst made no new connection')
  // Never closed for idleness, so kept alive for whatever sits between (NAT, load balancer).
  t.match(postgresPoolConfig(target.url as string), { keepAlive: true, keepAliveInitialDelayMillis: 30_000 })
})

t.test('ensurePostgresDatabase tolerates concurrent creators', async (t) => {
  const { ensurePostgresDatabase } = await import('../../src/ledger/select.js')
  const url = new URL(target.url as string)
  const name = `seatlock_tmp_${process.pid}_${Date.now()}`
  url.pathname = `/${name}`
  await Promise.all(Array.from({ length: 4 }, () => ensurePostgresDatabase(url.toString())))
  const admin = new pg.Client({ connectionString: postgresConnectionString(target.url as string) })
  await admin.connect()
  t.teardown(() => admin.end())
  const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
  t.equal(found.rowCount, 1, 'the database exists once')
  await admin.query(`DROP DATABASE IF EXISTS "${name}"`)
})

t.test('connectLedger', async (t) => {
  const { connectLedger, LedgerConnectError } = await import('../../src/ledger/select.js')

  t.test('an explicit postgres URL', async (t) => {
    const logs: string[] = []
    const ledger = await connectLedger({ ledgerUrl: target.url as string, production: false }, (m) =>
      logs.push(m),
    )
    t.teardown(() => ledger.close())
    t.equal(ledger.kind, 'postgres')
    await ledger.ping()
    t.ok(
      logs.some((m) => m.includes('postgres')),
      'logs the chosen ledger',
    )
  })

  t.test('an unreachable URL: one line, password masked, a hint, quickly', async (t) => {
    const start = Date.now()
    const err: unknown = await connectLedger(
      { ledgerUrl: 'postgres://me:s3cret@127.0.0.1:1/x', production: true },
      () => undefined,
    ).catch((e: unknown) => e)
    t.type(err, LedgerConnectError)
    const message = (err as Error).message
    t.notMatch(message, /s3cret/, 'password not shown')
    t.match(message, /127\.0\.0\.1:1/, 'names what was tried')
    t.match(message, /ECONNREFUSED/, 'says why')
    t.match(message, /docker compose up -d/, 'says how to start one')
    t.notMatch(message, /\n/, 'one line')
    t.ok(Date.now() - start < 2000, 'fails fast')
  })

  t.test('production without LEDGER_URL is refused', async (t) => {
    await t.rejects(
      connectLedger({ ledgerUrl: undefined, production: true }, () => undefined),
      LedgerConnectError,
    )
  })

  t.test('no LEDGER_URL: probes MongoDB, then PostgreSQL', async (t) => {
    const logs: string[] = []
    const ledger = await connectLedger({ ledgerUrl: undefined, production: false }, (m) => logs.push(m))
    t.teardown(() => ledger.close())
    await ledger.ping()
    t.ok(
      logs.some((m) => m.includes(ledger.kind === 'postgres' ? 'PostgreSQL' : 'MongoDB')),
      `logs the choice (${ledger.kind})`,
    )
    if (ledger.kind === 'postgres')
      t.match(logs.join('\n'), /MongoDB .* skipped/, 'and why MongoDB was skipped')
  })
})

t.test(
  'a confirm batch reads no reservation it did not write, however small the table was when it was planned',
  async (t) => {
    // A new database: the function's statements are planned on an empty table, and PL/pgSQL keeps those plans
    // for the session. A lookup of the batch's own rows by hold id then scans the whole table on every call,
    // a cost that grows with every sale of the on-sale (v1 did two per call).
    const url = await freshPostgresDatabase(t, 'batch_reads')
    const ledger = createPostgresLedger(url)
    t.teardown(() => ledger.close())
    await ledger.init()
    const seats = Array.from({ length: 200 }, (_, i) => `S${i + 1}`)
    const eventId = `ev-${randomUUID()}`
    await ledger.createEvent({
      id: eventId,
      name: 'First night',
      startsAt: null,
      currency: 'EUR',
      sections: [
        { id: 'floor', name: 'Floor', kind: 'ga', price: 100, capacity: 1000 },
        { id: 'stalls', name: 'Stalls', kind: 'seated', price: 200, capacity: seats.length, seats },
      ],
      createdAt: new Date().toISOString(),
    })
    const sale = (i: number): ConfirmInput => ({
      reservationId: `r-${randomUUID()}`,
      holdId: `h-${randomUUID()}`,
      eventId,
      holder: `buyer-${i}`,
      items:
        i % 2 ? [{ section: 'stalls', seats: [seats[i] as string] }] : [{ section: 'floor', quantity: 2 }],
      amount: 200,
      currency: 'EUR',
      paymentRef: null,
      tokenHash: createHash('sha256').update(String(i)).digest('hex'),
      createdAt: new Date().toISOString(),
    })

    // One session, one transaction: its own statistics (pg_stat_xact_*) count what its calls read.
    const db = new pg.Client({ connectionString: postgresConnectionString(url) })
    await db.connect()
    t.teardown(() => db.end())
    await db.query('BEGIN')
    let created = 0
    const batches: ReturnType<typeof batchStatement>[] = []
    for (let b = 0; b < 15; b++) {
      const batch = batchStatement(Array.from({ length: 10 }, (_, j) => sale(b * 10 + j)))
      batches.push(batch)
      const { rows } = await db.query<{ created: boolean }>(batch.text, batch.values)
      created += rows.filter((r) => r.created).length
    }
    const reads = async () =>
      (
        await db.query<{ seq_scan: string }>(
          "SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'seatlock_reservations'",
        )
      ).rows[0]?.seq_scan
    t.equal(created, 150, 'every sale of the 15 batches was written')
    t.equal(Number(await reads()), 0, 'and no batch scanned the reservations table')

    // A retried batch is answered from the table (the rows exist already): the same rows, created false.
    const retry = batches[0] as ReturnType<typeof batchStatement>
    const { rows } = await db.query<{ created: boolean; hold_id: string }>(retry.text, retry.values)
    t.same(
      rows.map((r) => [r.hold_id, r.created]).sort(),
      retry.holds.map((h) => [h.input.holdId, false]).sort(),
      'a retry gets its reservations back, none created again',
    )
    await db.query('COMMIT')
    const counts = await ledger.soldCounts(eventId)
    t.same(
      counts.sections.sort((a, b) => a.id.localeCompare(b.id)),
      [
        { id: 'floor', sold: 150 },
        { id: 'stalls', sold: 75 },
      ],
      'the counts moved once per sale',
    )
  },
)
