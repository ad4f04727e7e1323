/**
 * Fault: PostgreSQL shuts down, or terminates a backend, at the moment the pool opens a connection.
 *
 * The FATAL (57P01 admin shutdown) can reach the client in the same socket read as the new connection's
 * ReadyForQuery. pg-pool hands the client out from inside that read (taking its own 'error' listener off),
 * and the checkout only resumes once the read is parsed to its end, so the FATAL is emitted as an 'error'
 * event on a client nobody listens to yet: without the adapter's listener the process dies.
 *
 * Reproduced deterministically against a private cluster, with a child process owning the ledger:
 * the postmaster is frozen so the child's new connection waits with its startup packet; the child is
 * frozen so it reads nothing; the postmaster resumes and the backend writes AuthenticationOk ...
 * ReadyForQuery; the backend is terminated (FATAL 57P01); the child resumes and reads both at once.
 *
 * A second test runs the real service through `pg_ctl stop -m fast` during a burst of confirms and
 * readiness probes (the situation from the field; it hits the window only by chance) and checks that
 * it stays alive and confirms every hold once PostgreSQL is back.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import type { Test } from 'tap'
import { ADMIN_TOKEN, TEST_REDIS_URL, request, uniqueId } from '../helpers/app.js'
import type { RequestOptions, TestResponse } from '../helpers/app.js'
import { eventually } from '../helpers/eventually.js'
import { PgCluster, waitStopped } from '../helpers/pg-cluster.js'
import { startServerProcess } from '../helpers/server-process.js'

const CHILD = fileURLToPath(new URL('../helpers/pg-ledger-child.ts', import.meta.url))
/** pg-pool's connection timeout in the child: the staging must finish well before it. */
const STAGING_LIMIT_MS = 800

interface Answer {
  cmd?: string
  ok?: boolean
  error?: string
  ready?: boolean
}

class LedgerChild {
  private readonly answers: Answer[] = []
  private stdoutBuffer = ''
  stderr = ''
  readonly exited: Promise<number | string>

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => {
      this.stdoutBuffer += chunk.toString()
      let newline: number
      while ((newline = this.stdoutBuffer.indexOf('\n')) >= 0) {
        const line = this.stdoutBuffer.slice(0, newline)
        this.stdoutBuffer = this.stdoutBuffer.slice(newline + 1)
        if (line.trim() !== '') this.answers.push(JSON.parse(line) as Answer)
      }
    })
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()))
    this.exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string)
  }

  get pid(): number {
    return this.child.pid as number
  }

  alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null
  }

  send(cmd: string): void {
    this.child.stdin?.write(`${cmd}\n`)
  }

  /** The next answer, or an error naming how the process ended if it ended first. */
  async next(timeoutMs = 10_000): Promise<Answer> {
    await eventually(
      'an answer from the ledger process',
      async () => this.answers.length > 0 || !this.alive(),
      { deadlineMs: timeoutMs, intervalMs: 5 },
    )
    const answer = this.answers.shift()
    if (answer !== undefined) return answer
    throw new Error(`the ledger process died (exit ${String(await this.exited)}):\n${this.stderr}`)
  }
}

async function startChild(t: Test, url: string, applicationName: string): Promise<LedgerChild> {
  const child = spawn(
    process.execPath,
    ['--import', '@tapjs/typescript/import', CHILD, url, applicationName],
    {
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  )
  const ledgerChild = new LedgerChild(child)
  t.teardown(async () => {
    if (ledgerChild.alive()) {
      child.kill('SIGKILL')
      await ledgerChild.exited
    }
  })
  const first = await ledgerChild.next(30_000)
  if (first.ready !== true) throw new Error(`unexpected first line ${JSON.stringify(first)}`)
  return ledgerChild
}

t.test(
  "a FATAL in the same read as a new connection's ReadyForQuery does not kill the process",
  async (t) => {
    const cluster = await PgCluster.start(t)
    const admin = await cluster.admin(t)
    const appName = `seatlock-fatal-${process.pid}`
    const child = await startChild(t, cluster.url(), appName)

    // The child's pool is empty: its next ping opens a connection, which waits in the listen queue.
    const postmaster = await cluster.freezePostmaster()
    const started = Date.now()
    child.send('ping')
    await eventually("the child's startup packet", async () => (await cluster.unreadConnections()) > 0, {
      deadlineMs: 5000,
      intervalMs: 5,
    })

    // The child stops reading; the server completes the connection into its socket buffer.
    child.child.kill('SIGSTOP')
    await waitStopped(child.pid)
    process.kill(postmaster, 'SIGCONT')
    let backend: number | undefined
    await eventually(
      'the new backend to send ReadyForQuery and wait for a query',
      async () => {
        const found = await admin.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity
       WHERE application_name = $1 AND state = 'idle' AND wait_event = 'ClientRead'`,
          [appName],
        )
        backend = found.rows[0]?.pid
        return backend !== undefined
      },
      { deadlineMs: 10_000, intervalMs: 5 },
    )
    // ... and then FATAL 57P01, written before the backend leaves pg_stat_activity.
    await admin.query('SELECT pg_terminate_backend($1)', [backend])
    await eventually(
      'the backend to exit',
      async () => {
        const left = await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [backend])
        return left.rowCount === 0
      },
      { deadlineMs: 10_000, intervalMs: 5 },
    )
    const staged = Date.now() - started
    t.ok(staged < STAGING_LIMIT_MS, `staged in ${staged} ms, before the child's connect timeout could fire`)

    // One read now brings ReadyForQuery and the FATAL together.
    child.child.kill('SIGCONT')
    const first = await child.next()
    t.equal(first.ok, false, 'the ping on the killed connection fails')
    t.match(first.error ?? '', /LedgerUnavailableError/, 'as "ledger unavailable" (a 503), not a crash')
    t.match(
      child.stderr,
      /client error: terminating connection due to administrator command/,
      'the FATAL reached the new client before the checkout resumed, and was handled',
    )
    t.ok(child.alive(), 'the process is still alive')

    child.send('ping')
    t.same(await child.next(), { cmd: 'ping', ok: true }, 'the next ping gets a fresh connection')
    t.ok(child.alive(), 'still alive')
  },
)

t.test(
  'the real service survives a fast shutdown in the middle of a confirm burst, and recovers',
  async (t) => {
    const cluster = await PgCluster.start(t)
    const server = await startServerProcess(t, {
      KEY_PREFIX: `t${randomBytes(4).toString('hex')}`,
      LEDGER_URL: cluster.url(),
      REDIS_URL: TEST_REDIS_URL,
      ADMIN_TOKEN,
      LOG_LEVEL: 'warn',
    })
    const call = (method: string, path: string, options?: RequestOptions) =>
      request(server.url, method, path, options)
    const eventId = uniqueId('ev')
    const created = await call('POST', '/v1/events', {
      admin: true,
      body: {
        id: eventId,
        name: 'fast shutdown',
        sections: [{ id: 'g', name: 'GA', price: 500, capacity: 100 }],
      },
    })
    t.equal(created.status, 201, 'event created')
    const holds: { id: string; token: string }[] = []
    for (let i = 0; i < 20; i++) {
      const held = await call('POST', `/v1/events/${eventId}/holds`, {
        body: { holder: `buyer-${i}`, ttlSeconds: 300, items: [{ section: 'g', quantity: 1 }] },
      })
      t.equal(held.status, 201)
      holds.push(held.body as { id: string; token: string })
    }
    const confirm = (hold: { id: string; token: string }) =>
      call('POST', `/v1/events/${eventId}/holds/${hold.id}/confirm`, { token: hold.token })

    // Confirms and readiness probes in flight (new connections among them) while PostgreSQL shuts down.
    let stopped = false
    const stopping = cluster.stop('fast').then(() => {
      stopped = true
    })
    const confirms = Promise.all(holds.map(confirm))
    const answers: TestResponse[] = []
    while (!stopped) answers.push(...(await Promise.all(holds.map(() => call('GET', '/ready')))))
    await stopping
    answers.push(...(await confirms))
    t.ok(
      answers.every((res) => [200, 201, 503].includes(res.status)),
      `every request answered 2xx or 503 (${answers.map((r) => r.status).join(' ')})`,
    )
    t.equal(server.child.exitCode, null, 'the process is still alive')
    t.equal((await call('GET', '/health')).status, 200, '/health answers')
    t.equal((await call('GET', '/ready')).status, 503, '/ready: 503 while PostgreSQL is down')

    await cluster.start()
    await eventually(
      '/ready to answer 200 once PostgreSQL is back',
      async () => (await call('GET', '/ready')).status === 200,
      { deadlineMs: 10_000, intervalMs: 5 },
    )
    for (const hold of holds) {
      let res = await confirm(hold)
      // A confirm that met the shutdown is retried, as a client would; it must come through.
      await eventually(
        `hold ${hold.id} to confirm`,
        async () => {
          if (res.status === 503) res = await confirm(hold)
          return res.status !== 503
        },
        { deadlineMs: 10_000, intervalMs: 5 },
      )
      t.ok([200, 201].includes(res.status), `hold ${hold.id} confirmed (${res.status})`)
    }
    t.equal(server.child.exitCode, null, 'still alive')
  },
)
