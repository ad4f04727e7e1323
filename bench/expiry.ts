/**
 * Expiry benchmark: how late does `hold.expired` arrive after a hold's `expiresAt`?
 *
 *   npm run bench:expiry [-- --holds=2000 --via=service|http]
 *
 * Starts the service in-process (a redis-server of its own, or REDIS_URL when set; PostgreSQL ledger at
 * LEDGER_URL, default
 * postgres://127.0.0.1:5432/seatlock_bench), creates one event with seated and GA sections, takes N short
 * holds (TTL 1-3 s) across them (in-process through HoldService by default, so that creation is over
 * before the first expiry; --via=http sends them over HTTP), with no other traffic, and listens to the
 * event's SSE stream over real HTTP. For each hold it measures the lag from `expiresAt` to its `hold.expired` event (received by the
 * client; also the Redis-side `at`), checks every hold is reported exactly once and the counts return to
 * their start values. Expiry is the sweeper's (and the scripts' lazy reclaim); the keyspace-notification
 * watcher earlier versions ran beside it was measured here, never reclaimed a hold first, and was removed.
 * Writes bench/results/expiry.json and expiry.md. Target: p99 <= 1 s.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { SWEEP_INTERVAL_MS } from '../src/jobs/index.js'
import { connectLedger, ensurePostgresDatabase } from '../src/ledger/select.js'
import { readEventStream } from '../src/lib/sse.js'
import { ROOT_DIR } from '../src/paths.js'
import { connectRedis, createRedis } from '../src/redis/client.js'
import type { EventView } from '../src/schemas/events.js'
import type { ChangeMessage } from '../src/schemas/stream.js'
import { startRedis } from './lib/infra.js'

const TARGET_P99_MS = 1000
const HTTP_CONCURRENCY = 32
const SERVICE_CONCURRENCY = 200
const ADMIN = `bench-admin-${randomBytes(8).toString('hex')}`
const started = Date.now()

function log(message: string): void {
  process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${message}\n`)
}

type Mode = 'sweeper'
type Via = 'service' | 'http'

interface Summary {
  count: number
  mean: number
  p50: number
  p95: number
  p99: number
  max: number
  min: number
}

function summarise(samples: number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b)
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0
  const sum = sorted.reduce((a, b) => a + b, 0)
  return {
    count: sorted.length,
    mean: Math.round(sorted.length ? sum / sorted.length : 0),
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    max: sorted[sorted.length - 1] ?? 0,
    min: sorted[0] ?? 0,
  }
}

interface RunResult {
  mode: Mode
  description: string
  notifyKeyspaceEvents: string
  holds: number
  creation: { via: Via; ms: number; perSecond: number; expiredBeforeDone: number }
  /** Client receive time of hold.expired minus the hold's expiresAt. */
  lagMs: Summary
  /** Redis time of the reclaim (`at`) minus expiresAt. */
  serverLagMs: Summary
  reportedOnce: boolean
  missing: number
  duplicates: number
  countsRestored: boolean
  pass: boolean
}

interface PlannedHold {
  ttlSeconds: number
  items: ({ section: string; seats: string[] } | { section: string; quantity: number })[]
}

/** Sections sized for `count` holds: two seated, two general admission. */
function sections(count: number) {
  return [
    {
      id: 'stalls',
      name: 'Stalls',
      price: 4500,
      seats: Array.from({ length: count }, (_, i) => `S${i + 1}`),
    },
    {
      id: 'circle',
      name: 'Circle',
      price: 3500,
      seats: Array.from({ length: Math.ceil(count / 2) }, (_, i) => `C${i + 1}`),
    },
    { id: 'floor', name: 'Floor', price: 2000, capacity: 3 * count },
    { id: 'balcony', name: 'Balcony', price: 1500, capacity: count },
  ]
}

/** N holds across seated and GA sections, longest TTL first so creation ends before the first expiry. */
function plan(count: number): PlannedHold[] {
  let stalls = 0
  let circle = 0
  const seat = (prefix: string, n: number) => `${prefix}${n}`
  const holds: PlannedHold[] = []
  for (let i = 0; i < count; i++) {
    const ttlSeconds = 3 - (Math.floor((i * 3) / count) % 3)
    switch (i % 4) {
      case 0:
        holds.push({
          ttlSeconds,
          items: [{ section: 'stalls', seats: [seat('S', ++stalls), seat('S', ++stalls)] }],
        })
        break
      case 1:
        holds.push({ ttlSeconds, items: [{ section: 'circle', seats: [seat('C', ++circle)] }] })
        break
      case 2:
        holds.push({ ttlSeconds, items: [{ section: 'floor', quantity: 1 + ((i >> 2) % 4) }] })
        break
      default:
        holds.push({
          ttlSeconds,
          items: [
            { section: 'stalls', seats: [seat('S', ++stalls)] },
            { section: 'balcony', quantity: 2 },
          ],
        })
    }
  }
  return holds
}

async function api(base: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }
}

async function run(mode: Mode, count: number, via: Via, redisUrl: string): Promise<RunResult> {
  const env = { LOG_LEVEL: 'warn', ...process.env, REDIS_URL: redisUrl, ADMIN_TOKEN: ADMIN }
  const ledgerUrl = process.env.LEDGER_URL || 'postgres://127.0.0.1:5432/seatlock_bench'
  const config = { ...loadConfig(env), ledgerUrl, port: 0, keyPrefix: `bx${randomBytes(4).toString('hex')}` }
  const redis = createRedis(config, 'seatlock-bench')
  redis.on('error', () => undefined)
  await connectRedis(redis)
  if (ledgerUrl.startsWith('postgres')) await ensurePostgresDatabase(ledgerUrl)
  const ledger = await connectLedger(config, () => undefined)
  const { app, services } = await buildApp({
    config,
    redis,
    ledger,
    logger: { level: config.logLevel },
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  const flags = ((await redis.config('GET', 'notify-keyspace-events').catch(() => [])) as string[])[1] ?? '?'
  const description = `sweeper (every ${SWEEP_INTERVAL_MS} ms) and the scripts' lazy reclaim`
  log(`[${mode}] ${description}; service at ${base}, key prefix ${config.keyPrefix}`)

  const controller = new AbortController()
  let reading: Promise<void> | undefined
  try {
    const eventId = `expiry-${randomBytes(4).toString('hex')}`
    const created = await api(base, 'POST', '/v1/events', {
      id: eventId,
      name: 'Expiry benchmark',
      sections: sections(count),
    })
    if (created.status !== 201)
      throw new Error(`event not created: ${created.status} ${JSON.stringify(created.body)}`)
    const start = created.body as unknown as EventView

    // The stream, over real HTTP: every expiry as the client sees it.
    const expired = new Map<string, { receivedAt: number; at: number }[]>()
    let snapshot: EventView | undefined
    const latest = new Map<string, { available: number; held: number; sold: number }>()
    let streamError: unknown
    reading = (async () => {
      try {
        for await (const item of readEventStream(`${base}/v1/events/${eventId}/stream`, controller.signal)) {
          if (item.kind !== 'event') continue
          const receivedAt = Date.now()
          if (item.event === 'snapshot') {
            snapshot = JSON.parse(item.data) as EventView
            continue
          }
          const change = JSON.parse(item.data) as ChangeMessage
          for (const s of change.sections) latest.set(s.id, s)
          if (change.type === 'hold.expired' && change.holdId) {
            const list = expired.get(change.holdId) ?? []
            list.push({ receivedAt, at: Date.parse(change.at) })
            expired.set(change.holdId, list)
          }
        }
      } catch (error) {
        streamError = error
      }
    })()
    for (const deadline = Date.now() + 5000; !snapshot && Date.now() < deadline;)
      await new Promise((r) => setTimeout(r, 10))
    if (!snapshot) throw new Error(`no snapshot on the stream (${String(streamError)})`)

    // Holds: CONCURRENCY requests at a time, longest TTL first.
    const planned = plan(count)
    const expiresAt = new Map<string, number>()
    let next = 0
    let failed = 0
    const t0 = Date.now()
    const progress = setInterval(() => log(`[${mode}] created ${expiresAt.size}/${count} holds`), 500)
    // In-process through HoldService (the route's path minus HTTP) unless --via=http: creation must end
    // before the first expiry (1 s), or the expiries would share the process with creation traffic.
    const take = async (i: number): Promise<void> => {
      const hold = planned[i] as PlannedHold
      const body = { holder: `h${i}`, ...hold }
      try {
        if (via === 'http') {
          const res = await api(base, 'POST', `/v1/events/${eventId}/holds`, body)
          if (res.status !== 201) throw new Error(`${res.status} ${JSON.stringify(res.body)}`)
          expiresAt.set(String(res.body.id), Date.parse(String(res.body.expiresAt)))
        } else {
          const { view } = await services.holds.create(eventId, body, undefined)
          expiresAt.set(view.id, Date.parse(view.expiresAt))
        }
      } catch (error) {
        if (++failed <= 3) log(`[${mode}] hold ${i} refused: ${(error as Error).message}`)
      }
    }
    const concurrency = via === 'http' ? HTTP_CONCURRENCY : SERVICE_CONCURRENCY
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = next++; i < planned.length; i = next++) await take(i)
      }),
    )
    clearInterval(progress)
    const creationMs = Date.now() - t0
    const expiredBeforeDone = expired.size
    log(
      `[${mode}] ${expiresAt.size} holds in ${creationMs} ms (${Math.round((expiresAt.size / creationMs) * 1000)}/s)` +
        `${failed ? `, ${failed} refused` : ''}; ${expiredBeforeDone} already expired meanwhile`,
    )

    // Wait for every expiry (the last one is at most 3 s away), then a little for duplicates.
    const lastExpiry = Math.max(...expiresAt.values())
    const waiting = setInterval(() => log(`[${mode}] expired ${expired.size}/${expiresAt.size}`), 500)
    for (const deadline = lastExpiry + 10_000; expired.size < expiresAt.size && Date.now() < deadline;)
      await new Promise((r) => setTimeout(r, 20))
    clearInterval(waiting)
    await new Promise((r) => setTimeout(r, 2 * SWEEP_INTERVAL_MS + 200)) // duplicates, if any, would show now
    log(`[${mode}] expired ${expired.size}/${expiresAt.size}`)

    const lags: number[] = []
    const serverLags: number[] = []
    let duplicates = 0
    for (const [holdId, reports] of expired) {
      const due = expiresAt.get(holdId)
      const first = reports[0]
      if (due === undefined || !first) continue
      duplicates += reports.length - 1
      lags.push(first.receivedAt - due)
      serverLags.push(first.at - due)
    }
    const missing = [...expiresAt.keys()].filter((id) => !expired.has(id)).length
    const unknown = [...expired.keys()].filter((id) => !expiresAt.has(id)).length

    const end = (await api(base, 'GET', `/v1/events/${eventId}`)).body as unknown as EventView
    const restored = start.sections.every((s) => {
      const now = end.sections.find((e) => e.id === s.id)
      const streamed = latest.get(s.id)
      return (
        now?.available === s.available &&
        now.held === s.held &&
        now.sold === s.sold &&
        (streamed === undefined || (streamed.available === s.available && streamed.held === s.held))
      )
    })
    const lagMs = summarise(lags)
    const reportedOnce = missing === 0 && duplicates === 0 && unknown === 0 && failed === 0
    return {
      mode,
      description,
      notifyKeyspaceEvents: flags,
      holds: expiresAt.size,
      creation: {
        via,
        ms: creationMs,
        perSecond: Math.round((expiresAt.size / creationMs) * 1000),
        expiredBeforeDone,
      },
      lagMs,
      serverLagMs: summarise(serverLags),
      reportedOnce,
      missing,
      duplicates,
      countsRestored: restored,
      pass: reportedOnce && restored && lagMs.p99 <= TARGET_P99_MS,
    }
  } finally {
    controller.abort()
    await reading
    await app.close()
    await ledger.close()
    redis.disconnect()
  }
}

function row(r: RunResult): string {
  const l = r.lagMs
  return (
    `| ${r.mode} | ${r.holds} | ${l.p50} | ${l.p95} | ${l.p99} | ${l.max} | ${r.serverLagMs.p50} / ${r.serverLagMs.p99} | ` +
    `${r.reportedOnce ? 'yes' : `no (missing ${r.missing}, duplicates ${r.duplicates})`} | ` +
    `${r.countsRestored ? 'yes' : 'no'} | ${r.pass ? 'pass' : 'FAIL'} |`
  )
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      holds: { type: 'string', default: '2000' },
      via: { type: 'string', default: 'service' },
    },
  })
  const count = Number(values.holds)
  const modes: Mode[] = ['sweeper']
  const via = values.via as Via
  if (!Number.isInteger(count) || count < 1 || !['service', 'http'].includes(via)) {
    process.stderr.write('usage: npm run bench:expiry [-- --holds=2000 --via=service|http]\n')
    process.exit(2)
  }
  log(
    `expiry benchmark: ${count} holds (TTL 1-3 s), modes ${modes.join(', ')}; target p99 <= ${TARGET_P99_MS} ms`,
  )
  // A Redis of our own by default: keyspace notifications arrive when Redis's active expiry finds a key,
  // which takes longer the more keys with a TTL the database holds (a shared one full of test data).
  const own = process.env.REDIS_URL ? undefined : await startRedis()
  const target = process.env.REDIS_URL || (own?.redisUrl as string)
  const runs: RunResult[] = []
  for (const mode of modes) {
    const result = await run(mode, count, via, target)
    runs.push(result)
    const l = result.lagMs
    log(
      `[${mode}] lag after expiresAt: p50 ${l.p50} ms, p95 ${l.p95} ms, p99 ${l.p99} ms, max ${l.max} ms; ` +
        `each reported once: ${result.reportedOnce}; counts restored: ${result.countsRestored} -> ` +
        `${result.pass ? 'PASS' : 'FAIL'}`,
    )
  }

  own?.redis.disconnect()
  await own?.redisChild.stop()
  const redisUrl = own ? 'a redis-server of its own' : target.replace(/\/\/[^@/]*@/, '//***@')
  const machine = {
    cpu: cpus()[0]?.model ?? '?',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  }
  const report = {
    generatedAt: new Date().toISOString(),
    machine,
    redis: redisUrl,
    holdsPerRun: count,
    ttlSeconds: '1-3',
    sweepIntervalMs: SWEEP_INTERVAL_MS,
    targetP99Ms: TARGET_P99_MS,
    notes:
      'lagMs: client receive time of hold.expired (SSE over HTTP) minus expiresAt; serverLagMs: Redis time of the ' +
      'reclaim minus expiresAt. Client, service and Redis share one clock (one machine).',
    runs,
  }
  const dir = join(ROOT_DIR, 'bench/results')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'expiry.json'), `${JSON.stringify(report, null, 2)}\n`)
  const md = [
    '# Expiry lag',
    '',
    `${report.generatedAt}: ${count} holds per run (TTL 1-3 s, seated and GA sections, no other traffic), ` +
      `${machine.cpu} (${machine.cores} cores), Node ${machine.node}, Redis ${redisUrl}.`,
    '',
    "Lag = when the `hold.expired` event reached an SSE client minus the hold's `expiresAt` (ms). " +
      `Server lag = Redis time of the reclaim minus expiresAt. Target: p99 <= ${TARGET_P99_MS} ms.`,
    '',
    '| mode | holds | p50 | p95 | p99 | max | server lag p50 / p99 | each reported once | counts restored | result |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...runs.map(row),
    '',
    ...runs.map(
      (r) =>
        `- **${r.mode}**: ${r.description}; holds created (${r.creation.via}) in ${r.creation.ms} ms (${r.creation.perSecond}/s), ${r.creation.expiredBeforeDone} expired before creation ended` +
        '',
    ),
    '',
  ].join('\n')
  writeFileSync(join(dir, 'expiry.md'), md)
  log(`wrote bench/results/expiry.json and bench/results/expiry.md`)
  process.exit(runs.every((r) => r.pass) ? 0 : 1)
}

await main()
