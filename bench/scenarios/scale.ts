/**
 * 4. Scale: the cost of a hold with 1,000 vs 100,000 seats in the event, and with 10 vs 10,000 active holds.
 * Each connection loops hold (2 free seats) → release, so the number of active holds stays where it was
 * set up; hold latency is measured at a fixed concurrency. Configurations run in rounds (A, B, C, A, B, C…)
 * and each keeps its median, so slow drift of the machine does not land on one configuration.
 */
import { KindTimer, runLoad } from '../lib/load.js'
import { log } from '../lib/log.js'
import { PairAllocator, holdStep, onHoldStep, prime, remember, seatLabels } from '../lib/requests.js'
import type { ScenarioResult, SummaryRow } from '../lib/results.js'
import { median, ratio, round } from '../lib/stats.js'
import type { LatencySummary } from '../lib/stats.js'
import { createEvent, newEventId, startTarget } from '../lib/targets.js'
import type { Running, TargetName } from '../lib/targets.js'
import type { Ctx } from './context.js'

const CONNECTIONS = 10

interface Config {
  key: 'small' | 'large' | 'busy'
  label: string
  seats: number
  active: number
}

const CONFIGS: Config[] = [
  { key: 'small', label: '1,000 seats, 10 active holds', seats: 1000, active: 10 },
  { key: 'large', label: '100,000 seats, 10 active holds', seats: 100_000, active: 10 },
  { key: 'busy', label: '100,000 seats, 10,000 active holds', seats: 100_000, active: 10_000 },
]

export interface ScaleMeasurement {
  round: number
  holdsPerSec: number
  latency: LatencySummary
  /** CPU ms per hold (+ its release): the server process and Redis. */
  serverCpuMs: number
  redisCpuMs: number
}

export interface ScalePoint {
  target: TargetName
  config: Config['key']
  label: string
  seats: number
  activeHolds: number
  measurements: ScaleMeasurement[]
  medianMeanMs: number
  medianP99Ms: number
  medianHoldsPerSec: number
  medianServerCpuMs: number
  medianRedisCpuMs: number
}

interface Prepared {
  config: Config
  eventId: string
  pairs: PairAllocator
}

async function prepare(ctx: Ctx, target: TargetName, running: Running, config: Config): Promise<Prepared> {
  const eventId = newEventId(`scale-${config.key}`)
  await createEvent(target, ctx.infra, ctx.admin, eventId, [{ id: 'main', seats: seatLabels(config.seats) }])
  await prime(running.url, eventId, 'main', `s${config.seats}`)
  // The active holds: seats 1 … 2·active stay held for the whole measurement (10 minutes TTL).
  if (target === 'pg') {
    // Through SQL: the same rows its hold route writes, without 10,000 transactions of set-up time.
    await seedPgHolds(ctx, eventId, config.active)
    return { config, eventId, pairs: new PairAllocator(['main'], 2 * config.active, config.seats - 1) }
  }
  const background = new PairAllocator(['main'], 0, 2 * config.active)
  const setup = await runLoad({
    label: `${target} ${config.key} set-up`,
    url: running.url,
    connections: Math.min(50, config.active),
    amount: config.active,
    requests: [holdStep(eventId, () => background.take(), new KindTimer())],
    quiet: true,
  })
  if ((setup.statuses['201'] ?? 0) !== config.active) {
    throw new Error(`${target}: set-up of ${config.active} holds answered ${JSON.stringify(setup.statuses)}`)
  }
  // Measured holds use the other seats, released right after, so the active count stays put.
  return { config, eventId, pairs: new PairAllocator(['main'], 2 * config.active, config.seats - 1) }
}

async function seedPgHolds(ctx: Ctx, eventId: string, holds: number): Promise<void> {
  const { pool } = ctx.infra
  await pool.query(
    `INSERT INTO bench_pg_holds (id, event_id, holder, token_hash, status, expires_at)
     SELECT $1 || '-' || g, $1, 'seed' || g, md5(g::text), 'held', now() + interval '10 minutes'
     FROM generate_series(1, $2) AS g`,
    [eventId, holds],
  )
  await pool.query(
    `INSERT INTO bench_pg_seats (event_id, section_id, seat, hold_id, status, expires_at)
     SELECT $1, 'main', 's' || g, $1 || '-' || ((g + 1) / 2), 'held', now() + interval '10 minutes'
     FROM generate_series(1, 2 * $2) AS g`,
    [eventId, holds],
  )
  await pool.query(
    `UPDATE bench_pg_sections SET remaining = remaining - 2 * $2 WHERE event_id = $1 AND section_id = 'main'`,
    [eventId, holds],
  )
  await pool.query('ANALYZE bench_pg_seats')
}

async function measure(ctx: Ctx, target: TargetName, running: Running, p: Prepared, duration: number) {
  const holds = new KindTimer()
  const cpu0 = running.child.cpuSeconds()
  const redis0 = await ctx.infra.redisCpuSeconds()
  const load = await runLoad({
    label: `${target} ${p.config.key}`,
    url: running.url,
    connections: CONNECTIONS,
    duration,
    requests: [
      holdStep(p.eventId, () => p.pairs.take(), holds, remember),
      onHoldStep(p.eventId, 'DELETE', '', new KindTimer()),
    ],
    quiet: true,
  })
  const n = Math.max(1, holds.count(201))
  return {
    holdsPerSec: round(holds.count(201) / load.durationS, 1),
    latency: holds.summary(201),
    serverCpuMs: round(((running.child.cpuSeconds() - cpu0) * 1000) / n, 3),
    redisCpuMs: round((((await ctx.infra.redisCpuSeconds()) - redis0) * 1000) / n, 3),
  }
}

export async function scale(ctx: Ctx): Promise<ScenarioResult> {
  const { infra, opts } = ctx
  const targets = opts.quick ? opts.targets.filter((t) => t === 'seatlock') : opts.targets
  // Many short rounds, interleaved, median kept: other work on the machine comes in bursts.
  const rounds = opts.quick ? 2 : 5
  const duration = opts.quick ? 1 : 2
  const points: ScalePoint[] = []
  for (const target of targets) {
    await infra.flushRedis()
    const running = await startTarget(target, infra, { cpuProfDir: opts.cpuProfDir })
    try {
      const prepared: Prepared[] = []
      for (const config of CONFIGS) prepared.push(await prepare(ctx, target, running, config))
      for (const p of prepared) await measure(ctx, target, running, p, opts.quick ? 0.5 : opts.warmup) // warm-up
      const byConfig = new Map<Config['key'], ScaleMeasurement[]>()
      for (let r = 1; r <= rounds; r++) {
        for (const p of prepared) {
          const m = await measure(ctx, target, running, p, duration)
          byConfig.set(p.config.key, [...(byConfig.get(p.config.key) ?? []), { round: r, ...m }])
        }
      }
      for (const { config } of prepared) {
        const ms = byConfig.get(config.key) ?? []
        const point: ScalePoint = {
          target,
          config: config.key,
          label: config.label,
          seats: config.seats,
          activeHolds: config.active,
          measurements: ms,
          medianMeanMs: round(median(ms.map((m) => m.latency.mean))),
          medianP99Ms: round(median(ms.map((m) => m.latency.p99))),
          medianHoldsPerSec: round(median(ms.map((m) => m.holdsPerSec)), 1),
          medianServerCpuMs: round(median(ms.map((m) => m.serverCpuMs)), 3),
          medianRedisCpuMs: round(median(ms.map((m) => m.redisCpuMs)), 3),
        }
        points.push(point)
        log(
          `  ${target} ${config.label}: hold mean ${point.medianMeanMs} ms, p99 ${point.medianP99Ms} ms, ` +
            `${point.medianHoldsPerSec} holds/s; CPU per hold + release: server ${point.medianServerCpuMs} ms, ` +
            `Redis ${point.medianRedisCpuMs} ms (median of ${ms.length})`,
        )
      }
    } finally {
      await running.stop()
    }
  }
  return {
    name: 'scale',
    title: '4. Scale',
    data: points,
    rows: rows(points),
    notes: [
      `${CONNECTIONS} connections each looping hold (2 free seats) → release; hold latency measured per request; ` +
        `${rounds} round(s) of ${duration} s per configuration, interleaved, median kept; all configurations run ` +
        'in the same server process (same heap, same caches), so only event size and active holds differ.' +
        (opts.quick ? ' Quick mode: seatlock only.' : ''),
      'The Redis baselines keep no per-event state, so event size changes nothing for them; active holds are keys.',
    ],
  }
}

function rows(points: ScalePoint[]): SummaryRow[] {
  const get = (t: TargetName, k: Config['key']) => points.find((p) => p.target === t && p.config === k)
  const targets = [...new Set(points.map((p) => p.target))]
  const growth = (t: TargetName, from: Config['key'], to: Config['key']) =>
    ratio(get(t, to)?.medianMeanMs ?? 0, get(t, from)?.medianMeanMs ?? 0)
  const row = (metric: string, from: Config['key'], to: Config['key']): SummaryRow => {
    const s = growth('seatlock', from, to)
    return {
      scenario: `4. scale (hold mean latency, ${CONNECTIONS} conn)`,
      metric,
      values: Object.fromEntries(
        targets.map((t) => [
          t,
          `${get(t, from)?.medianMeanMs ?? '?'} → ${get(t, to)?.medianMeanMs ?? '?'} ms (${growth(t, from, to) ?? '?'}×)`,
        ]),
      ),
      ratio: s === null ? 'n/a' : `${s}×`,
      target: '≤ 1.2×',
      met: s === null ? null : s <= 1.2,
    }
  }
  const cpu = (t: TargetName, k: Config['key']) =>
    (get(t, k)?.medianServerCpuMs ?? 0) + (get(t, k)?.medianRedisCpuMs ?? 0)
  const cpuRow = (metric: string, from: Config['key'], to: Config['key']): SummaryRow => ({
    scenario: '4. scale (CPU ms per hold + release, server + Redis)',
    metric,
    values: Object.fromEntries(
      targets.map((t) => [
        t,
        `${round(cpu(t, from), 3)} → ${round(cpu(t, to), 3)} (${ratio(cpu(t, to), cpu(t, from)) ?? '?'}×)`,
      ]),
    ),
    ratio: `${ratio(cpu('seatlock', to), cpu('seatlock', from)) ?? 'n/a'}×`,
    target: '',
    met: null,
  })
  return [
    row('1,000 → 100,000 seats (10 active holds)', 'small', 'large'),
    row('10 → 10,000 active holds (100,000 seats)', 'large', 'busy'),
    cpuRow('1,000 → 100,000 seats (10 active holds)', 'small', 'large'),
    cpuRow('10 → 10,000 active holds (100,000 seats)', 'large', 'busy'),
  ]
}
