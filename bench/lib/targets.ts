/**
 * The servers under test: seatlock itself (the real service, dist/src/server.js) and the four baselines
 * (dist/bench/servers/*.js). Each runs in its own child process, one at a time. Events are created
 * out-of-band (seatlock: EventService.create through createServices, so 100,000-seat events need no
 * 64 KiB request; the PostgreSQL baseline: its section rows; the reference: its general-admission counters).
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { loadConfig } from '../../src/config.js'
import { connectLedger } from '../../src/ledger/select.js'
import type { Ledger } from '../../src/ledger/port.js'
import { ROOT_DIR } from '../../src/paths.js'
import { connectRedis, createRedis } from '../../src/redis/client.js'
import type { RedisClient } from '../../src/redis/client.js'
import { createServices } from '../../src/services/container.js'
import type { Services } from '../../src/services/container.js'
import { REFERENCE_PREFIX, gaKey } from '../servers/redis-common.js'
import type { Infra } from './infra.js'
import { log } from './log.js'
import { LOOP_FILE_ENV, readLoop } from './loop-busy.js'
import type { LoopReading } from './loop-busy.js'
import { freePort, httpOk, startChild, waitFor } from './proc.js'
import type { Child } from './proc.js'
import type { TargetName } from './target-names.js'

export { TARGETS } from './target-names.js'
export type { TargetName } from './target-names.js'

export const BASELINE_DESCRIPTIONS: Record<TargetName, string> = {
  seatlock: 'the real service (dist/src/server.js, NODE_ENV=production, LOG_LEVEL=warn)',
  reference: 'bare Fastify + ioredis, one EVALSHA per hold (the ceiling)',
  pg: 'PostgreSQL transaction per hold: seat rows with a primary key + UPDATE … remaining >= n',
  redlock: 'redlock.acquire(seat locks) → MGET → MULTI SET PX → release',
  naive: 'MGET then SET, no lock (oversells)',
}

const SCRIPTS: Record<TargetName, string> = {
  seatlock: 'dist/src/server.js',
  reference: 'dist/bench/servers/reference.js',
  pg: 'dist/bench/servers/pg-hold.js',
  redlock: 'dist/bench/servers/redlock-hold.js',
  naive: 'dist/bench/servers/naive.js',
}

export const ADMIN_TOKEN = `bench-${randomBytes(12).toString('hex')}`

/** A seated section (labelled seats) or a general-admission one (a capacity of units). */
export type Section = { id: string; seats: string[] } | { id: string; capacity: number }

export function capacityOf(section: Section): number {
  return 'seats' in section ? section.seats.length : section.capacity
}

export interface Running {
  name: TargetName
  url: string
  child: Child
  /** The server's event-loop time so far (bench/lib/loop-probe.js, preloaded into every server). */
  loop(): Promise<LoopReading>
  stop(): Promise<void>
}

export interface StartOptions {
  /** seatlock only: a ledger other than the bench PostgreSQL database. */
  ledgerUrl?: string
  /** Write a V8 CPU profile of the server to this directory (node --cpu-prof). */
  cpuProfDir?: string
}

export async function startTarget(
  name: TargetName,
  infra: Infra,
  options: StartOptions = {},
): Promise<Running> {
  const port = await freePort()
  // SEATLOCK_SERVER: benchmark another build of the service (e.g. a branch checked out elsewhere).
  const script =
    name === 'seatlock' && process.env.SEATLOCK_SERVER
      ? process.env.SEATLOCK_SERVER
      : join(ROOT_DIR, SCRIPTS[name])
  const nodeArgs = options.cpuProfDir
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${options.cpuProfDir}`,
        `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`,
      ]
    : []
  const loopFile = join(loopDir(), `${name}-${port}.json`)
  const probe = ['--import', pathToFileURL(join(ROOT_DIR, 'dist/bench/lib/loop-probe.js')).href]
  const child = startChild(name, process.execPath, [...nodeArgs, ...probe, script], {
    [LOOP_FILE_ENV]: loopFile,
    PORT: String(port),
    HOST: '127.0.0.1',
    REDIS_URL: infra.redisUrl,
    LEDGER_URL: options.ledgerUrl ?? infra.pgUrl,
    PG_URL: infra.pgUrl,
    ADMIN_TOKEN,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    // Every load comes from this one address: limits stay on (their cost is part of the hold path) but
    // high enough never to refuse (bench/limits.ts compares them with limits off).
    RATE_LIMIT_HOLDS_PER_MIN: '100000000',
    RATE_LIMIT_HOLDS_PER_HOLDER_PER_MIN: '100000000',
    RATE_LIMIT_HOLD_ACTIONS_PER_MIN: '100000000',
  })
  const url = `http://127.0.0.1:${port}`
  try {
    await waitFor(`${name} server`, () => httpOk(`${url}/health`), 20_000)
  } catch (error) {
    await child.stop()
    rmSync(loopFile, { force: true })
    throw new Error(`${(error as Error).message}; its output:\n${child.output()}`)
  }
  const stop = async () => {
    await child.stop()
    rmSync(loopFile, { force: true })
    rmSync(`${loopFile}.tmp`, { force: true })
  }
  const loop = async () => {
    // A server that died leaves its last reading behind, and its pid may be another process's by now.
    if (!child.alive()) throw new Error(`${name} server exited; its output:\n${child.output()}`)
    return readLoop(child.pid, loopFile)
  }
  return { name, url, child, loop, stop }
}

let loopFiles: string | undefined

/**
 * The folder of this run's loop files, made on first use and removed when the process exits, however it
 * exits (an interrupted run kills its servers without stopping them one by one).
 */
function loopDir(): string {
  if (loopFiles === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'seatlock-bench-loop-'))
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
    loopFiles = dir
  }
  return loopFiles
}

/** seatlock's own services in this process, to create events out-of-band and read its ledger. */
export class SeatlockAdmin {
  private constructor(
    readonly services: Services,
    readonly ledger: Ledger,
    private readonly redis: RedisClient,
  ) {}

  static async open(infra: Infra, ledgerUrl = infra.pgUrl): Promise<SeatlockAdmin> {
    const config = loadConfig({
      REDIS_URL: infra.redisUrl,
      LEDGER_URL: ledgerUrl,
      ADMIN_TOKEN,
      NODE_ENV: 'production',
      LOG_LEVEL: 'silent',
    })
    const redis = createRedis(config, 'seatlock-bench-admin')
    redis.on('error', () => undefined)
    await connectRedis(redis)
    const ledger = await connectLedger(config, () => undefined)
    return new SeatlockAdmin(createServices({ config, redis, ledger }), ledger, redis)
  }

  async createEvent(eventId: string, sections: Section[]): Promise<void> {
    await this.services.events.create({
      id: eventId,
      name: `bench ${eventId}`,
      sections: sections.map((s) =>
        'seats' in s
          ? { id: s.id, name: s.id, price: 1000, seats: s.seats }
          : { id: s.id, name: s.id, price: 1000, capacity: s.capacity },
      ),
    })
  }

  async close(): Promise<void> {
    await this.ledger.close()
    this.redis.disconnect()
  }
}

/**
 * Creates the event where the target keeps state about events (seatlock, the PostgreSQL baseline, and the
 * reference's general-admission capacities in Redis: call it after any flush of the bench Redis).
 */
export async function createEvent(
  name: TargetName,
  infra: Infra,
  admin: SeatlockAdmin,
  eventId: string,
  sections: Section[],
): Promise<void> {
  if (name === 'seatlock') await admin.createEvent(eventId, sections)
  if (name === 'pg') {
    for (const s of sections) {
      await infra.pool.query(
        'INSERT INTO bench_pg_sections (event_id, section_id, capacity, remaining) VALUES ($1, $2, $3, $3)',
        [eventId, s.id, capacityOf(s)],
      )
    }
  }
  if (name === 'reference') {
    // Seated holds need nothing (a free seat is a missing key); a general-admission hold checks `cap`.
    for (const s of sections) {
      if ('capacity' in s) await infra.redis.hset(gaKey(REFERENCE_PREFIX, eventId, s.id), 'cap', s.capacity)
    }
  }
}

export interface SoldCount {
  /** Sold seat rows in the target's ledger for the event. */
  sold: number
  /** Distinct (section, seat) among them. */
  distinct: number
}

/** What the target's ledger says was sold (seatlock on PostgreSQL: seatlock_sold_seats, checked directly). */
export async function soldCount(
  name: TargetName,
  infra: Infra,
  eventId: string,
  ledger?: Ledger,
): Promise<SoldCount> {
  if (name === 'seatlock' && ledger && ledger.kind === 'mongodb') {
    const state = await ledger.soldState(eventId)
    const seats = state.sections.flatMap((s) => s.soldSeats.map((seat) => `${s.id}/${seat}`))
    return { sold: seats.length, distinct: new Set(seats).size }
  }
  const queries: Record<TargetName, [string, unknown[]]> = {
    seatlock: ['SELECT section_id, seat FROM seatlock_sold_seats WHERE event_id = $1', [eventId]],
    pg: ["SELECT section_id, seat FROM bench_pg_seats WHERE event_id = $1 AND status = 'sold'", [eventId]],
    reference: [
      'SELECT section_id, seat FROM bench_sales WHERE server = $1 AND event_id = $2',
      ['reference', eventId],
    ],
    redlock: [
      'SELECT section_id, seat FROM bench_sales WHERE server = $1 AND event_id = $2',
      ['redlock', eventId],
    ],
    naive: ['SELECT section_id, seat FROM bench_naive_sales WHERE event_id = $1', [eventId]],
  }
  const [text, values] = queries[name]
  const rows = await infra.pool.query<{ section_id: string; seat: string }>(text, values)
  return {
    sold: rows.rows.length,
    distinct: new Set(rows.rows.map((r) => `${r.section_id}/${r.seat}`)).size,
  }
}

export function newEventId(label: string): string {
  return `${label}-${randomBytes(4).toString('hex')}`
}

export async function logStart(name: TargetName, running: Running): Promise<void> {
  log(`  ${name}: started (pid ${running.child.pid}, ${running.url})`)
}
