/**
 * A private PostgreSQL cluster for fault tests: its own data directory and socket directory in a fresh
 * temporary folder, its own TCP port on 127.0.0.1, trust auth, fsync off. It can be stopped, restarted,
 * frozen (SIGSTOP) and thawed, and its backends terminated, without touching the shared test database.
 *
 * PostgreSQL refuses to run as root: when the tests run as root, initdb, pg_ctl and the server run as the
 * `postgres` OS user (spawned with its uid/gid) and the folder is handed to that user.
 *
 *   const cluster = await PgCluster.start(t)
 *   const ledger = createPostgresLedger(cluster.url())
 *   await cluster.freeze()   // postmaster and every backend stopped
 *   await cluster.thaw()
 */
import { execFile, spawn } from 'node:child_process'
import { chown, mkdtemp, readFile, rm, appendFile } from 'node:fs/promises'
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import type { Test } from 'tap'
import { freePort } from './redis-server.js'
import { eventually } from './eventually.js'

/** TEST_PG_BIN, else the newest Debian/Ubuntu install (/usr/lib/postgresql/<major>/bin with initdb). */
function pgBin(): string {
  if (process.env.TEST_PG_BIN) return process.env.TEST_PG_BIN
  const root = '/usr/lib/postgresql'
  let majors: string[] = []
  try {
    majors = readdirSync(root).filter(
      (v) => /^\d+$/.test(v) && existsSync(path.join(root, v, 'bin', 'initdb')),
    )
  } catch {
    // no PostgreSQL server installed this way
  }
  const newest = majors.sort((a, b) => Number(b) - Number(a))[0]
  return newest === undefined ? path.join(root, '15', 'bin') : path.join(root, newest, 'bin')
}

const PG_BIN = pgBin()

/**
 * Cleans up after a test process that died without its teardown (tap's timeout ends it with a signal,
 * which skips 'exit' handlers): waits for the test process to be gone, then thaws and stops the server
 * and deletes the folder. Arguments: test pid, bin directory, data directory, folder.
 */
const WATCHDOG = `
while [ -d "/proc/$0" ]; do sleep 0.5; done
pm=$(head -n 1 "$2/postmaster.pid" 2>/dev/null)
if [ -n "$pm" ]; then
  kill -CONT "$pm" $(ps -o pid= --ppid "$pm") 2>/dev/null
  "$1/pg_ctl" -D "$2" -m immediate -w -t 10 stop >/dev/null 2>&1 || kill -KILL "$pm" 2>/dev/null
fi
rm -rf "$3"
`

interface RunResult {
  code: number
  stdout: string
  stderr: string
}

/** uid/gid of the OS user `name`, from /etc/passwd. */
async function osUser(name: string): Promise<{ uid: number; gid: number }> {
  const passwd = await readFile('/etc/passwd', 'utf8')
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':')
    if (user === name && uid !== undefined && gid !== undefined) return { uid: Number(uid), gid: Number(gid) }
  }
  throw new Error(`no OS user ${name}: PostgreSQL cannot run as root without it`)
}

/** State and parent of a process from /proc/<pid>/stat (read synchronously: also used at exit). */
function procStat(pid: number): { state: string; ppid: number } | undefined {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  // The fields after the command name, which may hold spaces and parentheses.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ')
  return { state: rest[0] ?? '?', ppid: Number(rest[1]) }
}

/** State letter of a process (R, S, T for stopped, Z...), undefined once it is gone. */
export async function processState(pid: number): Promise<string | undefined> {
  return procStat(pid)?.state
}

/** The direct children of a process. */
function childrenOf(parent: number): number[] {
  const found: number[] = []
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (Number.isInteger(pid) && procStat(pid)?.ppid === parent) found.push(pid)
  }
  return found
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name)
  } catch {
    // already gone (a backend that just exited)
  }
}

/** Waits until the process is stopped by a signal (SIGSTOP took effect). */
export async function waitStopped(pid: number, timeoutMs = 5000): Promise<void> {
  await eventually(`process ${pid} to stop`, async () => (await processState(pid)) === 'T', {
    deadlineMs: timeoutMs,
    intervalMs: 5,
  })
}

export class PgCluster {
  private readonly dataDir: string
  private readonly logFile: string
  /** pid of the running postmaster. */
  private postmaster: number | undefined
  /** pid of the watchdog shell (a process group of its own). */
  private watchdog: number | undefined

  private constructor(
    /** Temporary folder holding the data directory, the unix socket and the server log. */
    readonly dir: string,
    readonly port: number,
    private readonly owner: { uid: number; gid: number } | undefined,
  ) {
    this.dataDir = path.join(dir, 'data')
    this.logFile = path.join(dir, 'server.log')
  }

  /** Creates (initdb) and starts a cluster; stopped and deleted at t's teardown (and at process exit). */
  static async start(t: Test): Promise<PgCluster> {
    const owner = process.getuid?.() === 0 ? await osUser('postgres') : undefined
    const dir = await mkdtemp(path.join(os.tmpdir(), 'seatlock-pg-'))
    if (owner) await chown(dir, owner.uid, owner.gid)
    const cluster = new PgCluster(dir, await freePort(), owner)
    // If the test process dies without running its teardown, no server is left behind: the exit hook
    // covers process.exit, the watchdog a death by signal.
    const onExit = (): void => cluster.killSync()
    process.once('exit', onExit)
    t.teardown(async () => {
      process.off('exit', onExit)
      await cluster.destroy()
    })
    cluster.startWatchdog()
    await cluster.init()
    await cluster.start()
    return cluster
  }

  private startWatchdog(): void {
    const child = spawn('/bin/sh', ['-c', WATCHDOG, String(process.pid), PG_BIN, this.dataDir, this.dir], {
      cwd: '/',
      detached: true,
      stdio: 'ignore',
      uid: this.owner?.uid,
      gid: this.owner?.gid,
    })
    child.unref()
    this.watchdog = child.pid
  }

  /** Connection URL (user postgres, trust auth) of a database of this cluster. */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`
  }

  private async run(bin: string, args: string[]): Promise<RunResult> {
    return new Promise((resolve) => {
      execFile(
        path.join(PG_BIN, bin),
        args,
        {
          cwd: this.dir,
          // A clean environment: no PG* variable of the test run reaches the server tools.
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C', HOME: this.dir },
          uid: this.owner?.uid,
          gid: this.owner?.gid,
          timeout: 60_000,
        },
        (error, stdout, stderr) => {
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1
          resolve({ code, stdout, stderr })
        },
      )
    })
  }

  private async must(bin: string, args: string[]): Promise<RunResult> {
    const result = await this.run(bin, args)
    if (result.code !== 0) {
      let log = ''
      try {
        log = await readFile(this.logFile, 'utf8')
      } catch {
        // no server log yet
      }
      throw new Error(
        `${bin} ${args.join(' ')} failed (${result.code}):\n${result.stdout}${result.stderr}${log}`,
      )
    }
    return result
  }

  private async init(): Promise<void> {
    await this.must('initdb', [
      '-D',
      this.dataDir,
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ])
    // Speed over durability (a test cluster), and a socket directory of its own, not /var/run/postgresql.
    await appendFile(
      path.join(this.dataDir, 'postgresql.conf'),
      [
        `port = ${this.port}`,
        `listen_addresses = '127.0.0.1'`,
        `unix_socket_directories = '${this.dir}'`,
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        'max_connections = 50',
        'shared_buffers = 16MB',
        '',
      ].join('\n'),
    )
  }

  /** Starts the server and waits until it accepts connections. */
  async start(): Promise<void> {
    await this.must('pg_ctl', ['-D', this.dataDir, '-l', this.logFile, '-w', '-t', '30', 'start'])
    this.postmaster = await this.postmasterPid()
  }

  /** Stops the server (`pg_ctl stop -m <mode>`) and waits until it is gone. */
  async stop(mode: 'smart' | 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.must('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '30', 'stop'])
    this.postmaster = undefined
  }

  /** pid of the postmaster, from postmaster.pid. */
  async postmasterPid(): Promise<number> {
    const text = await readFile(path.join(this.dataDir, 'postmaster.pid'), 'utf8')
    const pid = Number(text.split('\n')[0])
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`bad postmaster.pid: ${text}`)
    return pid
  }

  /**
   * Every process of the server: the postmaster and its children (backends, background workers). Not a
   * process group: PostgreSQL puts every child in a session of its own (setsid in InitPostmasterChild).
   */
  pids(): number[] {
    const postmaster = this.postmaster
    return postmaster === undefined ? [] : [postmaster, ...childrenOf(postmaster)]
  }

  /** SIGSTOP to the postmaster and every backend; resolves once all of them are stopped. */
  async freeze(): Promise<number[]> {
    // The postmaster first, so it forks nothing that the list below would miss.
    await this.freezePostmaster()
    const pids = this.pids()
    for (const pid of pids) signal(pid, 'SIGSTOP')
    for (const pid of pids) if (procStat(pid) !== undefined) await waitStopped(pid)
    return pids
  }

  /** SIGSTOP to the postmaster alone: it accepts no new connection, existing backends keep working. */
  async freezePostmaster(): Promise<number> {
    const pid = this.requirePostmaster()
    process.kill(pid, 'SIGSTOP')
    await waitStopped(pid)
    return pid
  }

  /**
   * Established TCP connections to the server's port whose bytes nobody has read yet (from
   * /proc/net/tcp): with the postmaster frozen, a client's startup packet waiting to be accepted.
   */
  async unreadConnections(): Promise<number> {
    const table = await readFile('/proc/net/tcp', 'utf8')
    const port = this.port.toString(16).toUpperCase().padStart(4, '0')
    let count = 0
    for (const line of table.split('\n').slice(1)) {
      const [, local, , state, queues] = line.trim().split(/\s+/)
      if (local === undefined || state !== '01' || queues === undefined) continue
      const rx = Number.parseInt(queues.split(':')[1] ?? '0', 16)
      if (local.endsWith(`:${port}`) && rx > 0) count++
    }
    return count
  }

  /** SIGCONT to every process of the server. */
  async thaw(): Promise<void> {
    for (const pid of this.pids()) signal(pid, 'SIGCONT')
  }

  /** A connected client of the `postgres` database (not through a pool), ended at t's teardown. */
  async admin(t: Test): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.url(), connectionTimeoutMillis: 5000 })
    client.on('error', () => undefined)
    await client.connect()
    t.teardown(() => client.end().catch(() => undefined))
    return client
  }

  /** pg_terminate_backend for every backend of `applicationName` (FATAL 57P01); how many were hit. */
  async terminateBackends(admin: pg.Client, applicationName: string): Promise<number> {
    const { rowCount } = await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
      [applicationName],
    )
    return rowCount ?? 0
  }

  /** Frees everything: thaws, stops (immediate), kills what is left, deletes the folder. */
  async destroy(): Promise<void> {
    this.stopWatchdog()
    if (this.postmaster !== undefined) {
      await this.thaw()
      await this.run('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', '-t', '30', 'stop'])
      this.killSync()
    }
    await rm(this.dir, { recursive: true, force: true })
  }

  private stopWatchdog(): void {
    if (this.watchdog !== undefined) signal(-this.watchdog, 'SIGKILL')
    this.watchdog = undefined
  }

  private killSync(): void {
    this.stopWatchdog()
    const pids = this.pids()
    this.postmaster = undefined
    for (const name of ['SIGCONT', 'SIGKILL'] as const) for (const pid of pids) signal(pid, name)
    rmSync(this.dir, { recursive: true, force: true })
  }

  private requirePostmaster(): number {
    if (this.postmaster === undefined) throw new Error('the cluster is not running')
    return this.postmaster
  }
}
