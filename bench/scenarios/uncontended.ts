/**
 * 1. Uncontended holds: 2 fresh seats per hold, 50 connections, same duration for every server.
 * Reports req/s, hold latency percentiles (201s), and the server's RSS idle and under load.
 */
import { KindTimer, runLoad } from '../lib/load.js'
import { log } from '../lib/log.js'
import { pacedLoad } from '../lib/paced.js'
import { PairAllocator, holdBody, holdStep, prime, sectionsFor } from '../lib/requests.js'
import { fmt } from '../lib/results.js'
import type { ScenarioResult, SummaryRow } from '../lib/results.js'
import { RssSampler, mib } from '../lib/sampler.js'
import { median, ratio, round } from '../lib/stats.js'
import type { LatencySummary } from '../lib/stats.js'
import { createEvent, newEventId, startTarget } from '../lib/targets.js'
import type { TargetName } from '../lib/targets.js'
import { RATE_CAP } from './context.js'
import type { Ctx } from './context.js'

export interface UncontendedResult {
  target: TargetName
  round: number
  reqPerSec: number
  holdsPerSec: number
  latency: LatencySummary
  statuses: Record<string, number>
  errors: number
  rssIdleMiB: number
  rssPeakMiB: number
  /** CPU milliseconds per hold: the server process, and Redis. */
  serverCpuMsPerHold: number
  redisCpuMsPerHold: number
  /** CPU milliseconds per request of the load generator (autocannon, this process), on the same cores. */
  clientCpuMsPerHold: number
  /** Redis INFO commandstats: microseconds per call of each command the server sent. */
  redisCommands: Record<string, { calls: number; usecPerCall: number }>
  /** Hold latency at a fixed offered load below saturation (open loop), when measured. */
  fixedRate?: { holdsPerSecOffered: number; latency: LatencySummary }
}

/** Offered load of the fixed-rate latency measurement (holds/s over all connections). */
const FIXED_RATE = 2000

async function commandStats(ctx: Ctx): Promise<UncontendedResult['redisCommands']> {
  const info = await ctx.infra.redis.info('commandstats')
  const out: UncontendedResult['redisCommands'] = {}
  for (const m of info.matchAll(/cmdstat_(\w+):calls=(\d+),usec=\d+,usec_per_call=([\d.]+)/g)) {
    const calls = Number(m[2])
    if (calls >= 100) out[m[1] as string] = { calls, usecPerCall: Number(m[3]) }
  }
  return out
}

async function once(ctx: Ctx, target: TargetName, round: number): Promise<UncontendedResult> {
  const { infra, admin, opts } = ctx
  await infra.flushRedis()
  const eventId = newEventId('s1')
  const fixedSeconds = opts.quick ? 1 : 5
  const sections = sectionsFor(
    2 * Math.ceil(RATE_CAP * (opts.duration + opts.warmup) + FIXED_RATE * fixedSeconds),
  )
  await createEvent(target, infra, admin, eventId, sections)
  const running = await startTarget(target, infra, { cpuProfDir: opts.cpuProfDir })
  try {
    const first = sections[0]?.seats.length ?? 0
    const pairs = new PairAllocator(
      sections.map((s) => s.id),
      0,
      first - 1,
    )
    // The last seat of the last section primes the server; the load never reaches it.
    const last = sections[sections.length - 1]
    await prime(running.url, eventId, last?.id ?? 'sec1', `s${first}`)
    await runLoad({
      label: `${target} warm-up`,
      url: running.url,
      connections: opts.connections,
      duration: opts.warmup,
      requests: [holdStep(eventId, () => pairs.take(), new KindTimer())],
      quiet: true,
    })
    const rssIdle = running.child.rss()
    await infra.redis.config('RESETSTAT')
    const cpu0 = running.child.cpuSeconds()
    const redisCpu0 = await infra.redisCpuSeconds()
    const client0 = process.cpuUsage()
    const timer = new KindTimer()
    const rss = new RssSampler(() => running.child.rss())
    rss.start()
    const load = await runLoad({
      label: `${target} holds (round ${round})`,
      url: running.url,
      connections: opts.connections,
      duration: opts.duration,
      requests: [holdStep(eventId, () => pairs.take(), timer)],
    })
    const client = process.cpuUsage(client0)
    const peak = rss.stop()
    const holds = Math.max(1, load.requests)
    const serverCpu = running.child.cpuSeconds() - cpu0
    const redisCpu = (await infra.redisCpuSeconds()) - redisCpu0
    const result: UncontendedResult = {
      target,
      round,
      reqPerSec: load.reqPerSec,
      holdsPerSec: Math.round((timer.count(201) / load.durationS) * 10) / 10,
      latency: timer.summary(201),
      statuses: load.statuses,
      errors: load.errors,
      rssIdleMiB: mib(rssIdle),
      rssPeakMiB: mib(peak),
      serverCpuMsPerHold: Math.round((serverCpu / holds) * 1e6) / 1000,
      redisCpuMsPerHold: Math.round((redisCpu / holds) * 1e6) / 1000,
      clientCpuMsPerHold: Math.round((client.user + client.system) / holds) / 1000,
      redisCommands: await commandStats(ctx),
    }
    if (target === 'seatlock' || target === 'reference') {
      const fixed = await pacedLoad({
        url: running.url,
        rate: FIXED_RATE,
        seconds: fixedSeconds,
        connections: opts.connections,
        next: () => {
          const { section, seats } = pairs.take()
          return { path: `/v1/events/${eventId}/holds`, body: holdBody(section, seats) }
        },
      })
      result.fixedRate = { holdsPerSecOffered: FIXED_RATE, latency: fixed.summary(201) }
    }
    log(
      `  ${target} round ${round}: ${fmt(result.holdsPerSec)} holds/s, p50 ${result.latency.p50} ms, ` +
        `p99 ${result.latency.p99} ms; CPU per hold: server ${result.serverCpuMsPerHold} ms, ` +
        `Redis ${result.redisCpuMsPerHold} ms, load generator ${result.clientCpuMsPerHold} ms` +
        (result.fixedRate ? `; at ${FIXED_RATE}/s p99 ${result.fixedRate.latency.p99} ms` : '') +
        `; statuses ${JSON.stringify(load.statuses)}; RSS ${result.rssIdleMiB} → ${result.rssPeakMiB} MiB`,
    )
    return result
  } finally {
    await running.stop()
  }
}

export async function uncontended(ctx: Ctx): Promise<ScenarioResult> {
  const rounds = ctx.opts.quick ? 1 : 5
  const all: UncontendedResult[] = []
  // Rounds interleave the servers, so a burst of other work on the machine does not land on one of them.
  for (let round = 1; round <= rounds; round++) {
    for (const target of ctx.opts.targets) all.push(await once(ctx, target, round))
  }
  // Each server's round of median throughput stands for it (latency, CPU, RSS in the table).
  const typical = ctx.opts.targets.map((t) => {
    const mine = all.filter((r) => r.target === t).sort((a, b) => a.holdsPerSec - b.holdsPerSec)
    return mine[Math.floor((mine.length - 1) / 2)] as UncontendedResult
  })
  return {
    name: 'uncontended',
    title: '1. Uncontended holds',
    data: { rounds, typical, all, paired: pairedRatios(all, ctx.opts.targets) },
    ...summarise(typical, all, ctx, rounds),
  }
}

/**
 * seatlock against each server, round by round: a round runs the servers back to back, so the two runs of
 * a pair saw the same machine; the median over rounds discards the rounds that other work disturbed. Holds/s
 * ratio (seatlock ÷ other) and server-CPU ratio (other's CPU per hold ÷ seatlock's).
 */
function pairedRatios(all: UncontendedResult[], targets: TargetName[]) {
  const out: Partial<
    Record<TargetName, { holds: number[]; cpu: number[]; holdsMedian: number; cpuMedian: number }>
  > = {}
  for (const t of targets) {
    if (t === 'seatlock') continue
    const holds: number[] = []
    const cpu: number[] = []
    for (const mine of all.filter((r) => r.target === 'seatlock')) {
      const theirs = all.find((r) => r.target === t && r.round === mine.round)
      if (!theirs) continue
      const h = ratio(mine.holdsPerSec, theirs.holdsPerSec)
      const c = ratio(theirs.serverCpuMsPerHold, mine.serverCpuMsPerHold)
      if (h !== null) holds.push(h)
      if (c !== null) cpu.push(c)
    }
    out[t] = { holds, cpu, holdsMedian: round(median(holds)), cpuMedian: round(median(cpu)) }
  }
  return out
}

function summarise(
  results: UncontendedResult[],
  all: UncontendedResult[],
  ctx: Ctx,
  rounds: number,
): { rows: SummaryRow[]; notes: string[] } {
  const by = new Map(results.map((r) => [r.target, r]))
  const paired = pairedRatios(all, ctx.opts.targets)
  const rate = (t: TargetName) => by.get(t)?.holdsPerSec ?? 0
  const values = (f: (r: UncontendedResult) => string) =>
    Object.fromEntries(results.map((r) => [r.target, f(r)])) as Partial<Record<TargetName, string>>
  const s = rate('seatlock')
  const rows: SummaryRow[] = []
  const scenario = `1. uncontended holds (${ctx.opts.connections} conn, 2 seats)`
  const against = (t: TargetName, min: number, name: string) => {
    const pair = paired[t]
    const r = pair && pair.holds.length > 0 ? pair.holdsMedian : ratio(s, rate(t))
    rows.push({
      scenario,
      metric: `holds/s vs ${name}`,
      values: values((x) => fmt(x.holdsPerSec)),
      ratio:
        r === null
          ? 'n/a'
          : `${r}×` +
            (pair && pair.holds.length > 1 ? ` (rounds: ${pair.holds.map((x) => `${x}×`).join(', ')})` : ''),
      target: `≥ ${min}× ${name}`,
      met: r === null ? null : r >= min,
    })
  }
  if (by.has('seatlock')) {
    if (by.has('reference')) against('reference', 0.7, 'reference')
    if (by.has('pg')) against('pg', 3, 'pg')
    if (by.has('redlock')) against('redlock', 2, 'redlock')
    const p99 = by.get('seatlock')?.latency.p99 ?? 0
    rows.push({
      scenario,
      metric: 'hold latency p50 / p99 at saturation (ms)',
      values: values((x) => `${x.latency.p50} / ${x.latency.p99}`),
      ratio: '',
      target: 'seatlock p99 ≤ 10 ms',
      met: p99 <= 10,
    })
    const fixed = by.get('seatlock')?.fixedRate
    rows.push({
      scenario,
      metric: `hold latency p50 / p99 at ${FIXED_RATE} holds/s offered (ms)`,
      values: values((x) => (x.fixedRate ? `${x.fixedRate.latency.p50} / ${x.fixedRate.latency.p99}` : '–')),
      ratio: '',
      target: 'seatlock p99 ≤ 10 ms',
      met: fixed ? fixed.latency.p99 <= 10 : null,
    })
    const cpu = (t: TargetName) => by.get(t)?.serverCpuMsPerHold ?? 0
    rows.push({
      scenario,
      metric: 'CPU ms per hold: server / Redis / load generator',
      values: values((x) => `${x.serverCpuMsPerHold} / ${x.redisCpuMsPerHold} / ${x.clientCpuMsPerHold}`),
      // The server process is single-threaded: 1 / (its CPU per hold) bounds its rate whatever else runs.
      ratio:
        'server-CPU-bound rate vs ' +
        (['reference', 'pg', 'redlock'] as TargetName[])
          .filter((t) => by.has(t))
          .map(
            (t) => `${t} ${paired[t]?.cpu.length ? paired[t]?.cpuMedian : ratio(cpu(t), cpu('seatlock'))}×`,
          )
          .join(', '),
      target: '',
      met: null,
    })
    rows.push({
      scenario,
      metric: 'server RSS idle → peak (MiB)',
      values: values((x) => `${x.rssIdleMiB} → ${x.rssPeakMiB}`),
      ratio: '',
      target: '',
      met: null,
    })
  }
  const notes = [
    `each server: ${ctx.opts.warmup} s warm-up, then ${ctx.opts.duration} s at ${ctx.opts.connections} connections, ` +
      `${rounds} round(s) interleaving the servers; each ratio is the median over rounds of seatlock's ` +
      'result divided by the other server’s in the same round (run back to back), and the table shows each ' +
      'server’s median round; ' +
      'every hold takes 2 seats no earlier hold took; latency is measured per request from the moment it is built ' +
      '(just before it is written) to its response.',
    `the fixed-rate latency is measured at ${FIXED_RATE} holds/s offered, started on schedule (open loop, ` +
      `lib/paced.ts) over a pool of ${ctx.opts.connections} keep-alive connections, for seatlock and the reference ` +
      'only; at saturation, latency is queueing: connections ÷ throughput.',
    'CPU per hold: the server process (/proc/<pid>/stat), Redis (INFO cpu) and the load generator (autocannon in ' +
      'the bench process, process.cpuUsage) over the measurement, divided by requests. All three share the ' +
      "machine's cores, so at saturation holds/s ≈ cores ÷ their sum.",
  ]
  return { rows, notes }
}
