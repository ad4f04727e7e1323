/**
 * 3. Full flow: hold 2 fresh seats → confirm, in a loop on every connection; confirms/s and the latency of
 * each step, then a check in the ledger that every confirmed seat is sold once. seatlock on PostgreSQL, and
 * on MongoDB when MONGO_URL is set.
 */
import { KindTimer, runLoad } from '../lib/load.js'
import { log } from '../lib/log.js'
import { onMongo } from '../lib/mongo.js'
import { PairAllocator, holdStep, onHoldStep, prime, remember, sectionsFor } from '../lib/requests.js'
import { fmt } from '../lib/results.js'
import type { ScenarioResult, SummaryRow } from '../lib/results.js'
import { ratio, round } from '../lib/stats.js'
import type { LatencySummary } from '../lib/stats.js'
import { SeatlockAdmin, createEvent, newEventId, soldCount, startTarget } from '../lib/targets.js'
import type { TargetName } from '../lib/targets.js'
import { RATE_CAP } from './context.js'
import type { Ctx } from './context.js'

export interface FlowResult {
  target: TargetName
  ledger: string
  confirmsPerSec: number
  confirms: number
  holdLatency: LatencySummary
  confirmLatency: LatencySummary
  statuses: Record<string, number>
  sold: number
  distinctSold: number
  /** Every 201 confirm is in the ledger (2 seats each), no seat twice. */
  consistent: boolean
  /** Seats sold for confirms whose answer was cut off when a load run ended (≤ 2 runs × connections × 2). */
  inFlightSeats: number
}

async function flow(
  ctx: Ctx,
  target: TargetName,
  ledgerName: string,
  admin: SeatlockAdmin,
  ledgerUrl?: string,
) {
  const { infra, opts } = ctx
  await infra.flushRedis()
  const eventId = newEventId('flow')
  // A hold → confirm pair runs at well under half the hold rate.
  const sections = sectionsFor(Math.ceil(RATE_CAP * (opts.duration + opts.warmup)))
  await createEvent(target, infra, admin, eventId, sections)
  const running = await startTarget(target, infra, { cpuProfDir: opts.cpuProfDir, ledgerUrl })
  try {
    const size = sections[0]?.seats.length ?? 0
    await prime(running.url, eventId, sections[sections.length - 1]?.id ?? 'sec1', `s${size}`)
    const pairs = new PairAllocator(
      sections.map((s) => s.id),
      0,
      size - 1,
    )
    const warmHold = new KindTimer()
    const warmConfirm = new KindTimer()
    await runLoad({
      label: `${target} warm-up`,
      url: running.url,
      connections: opts.connections,
      duration: opts.quick ? 0.5 : opts.warmup,
      requests: [
        holdStep(eventId, () => pairs.take(), warmHold, remember),
        onHoldStep(eventId, 'POST', '/confirm', warmConfirm),
      ],
      quiet: true,
    })
    const holds = new KindTimer()
    const confirms = new KindTimer()
    const load = await runLoad({
      label: `${target} hold → confirm`,
      url: running.url,
      connections: opts.connections,
      duration: opts.quick ? 2 : opts.duration,
      requests: [
        holdStep(eventId, () => pairs.take(), holds, remember),
        onHoldStep(eventId, 'POST', '/confirm', confirms),
      ],
    })
    const ledger = await soldCount(target, infra, eventId, admin.ledger)
    const confirmed = warmConfirm.count(201) + confirms.count(201)
    const result: FlowResult = {
      target,
      ledger: ledgerName,
      confirmsPerSec: round(confirms.count(201) / load.durationS, 1),
      confirms: confirms.count(201),
      holdLatency: holds.summary(201),
      confirmLatency: confirms.summary(201),
      statuses: load.statuses,
      sold: ledger.sold,
      distinctSold: ledger.distinct,
      consistent:
        ledger.sold >= 2 * confirmed &&
        // Confirms cut off when the warm-up and the measurement stopped: at most one per connection each.
        ledger.sold <= 2 * (confirmed + 2 * opts.connections) &&
        ledger.distinct === ledger.sold,
      inFlightSeats: ledger.sold - 2 * confirmed,
    }
    log(
      `  ${target} (${ledgerName}): ${fmt(result.confirmsPerSec)} confirms/s; confirm p50 ${result.confirmLatency.p50} / ` +
        `p99 ${result.confirmLatency.p99} ms; ledger ${ledger.sold} seats sold for ${confirmed} confirms ` +
        `(${result.consistent ? 'consistent' : 'INCONSISTENT'}); statuses ${JSON.stringify(load.statuses)}`,
    )
    return result
  } finally {
    await running.stop()
  }
}

export async function fullFlow(ctx: Ctx): Promise<ScenarioResult> {
  const results: FlowResult[] = []
  const notes: string[] = []
  for (const target of ctx.opts.targets) results.push(await flow(ctx, target, 'postgres', ctx.admin))
  if (ctx.opts.targets.includes('seatlock')) {
    await onMongo(ctx, notes, async (mongoAdmin, mongoUrl) => {
      results.push(await flow(ctx, 'seatlock', 'mongodb', mongoAdmin, mongoUrl))
    })
  }
  notes.push(
    'each connection loops hold (2 fresh seats) → confirm with the hold token; the baselines confirm into PostgreSQL too ' +
      '(reference: one EVALSHA + one INSERT; pg: one transaction; redlock: locks + INSERT; naive: INSERT without a unique constraint).',
  )
  return { name: 'full-flow', title: '3. Full flow', data: results, rows: rows(results, ctx), notes }
}

function rows(results: FlowResult[], ctx: Ctx): SummaryRow[] {
  const pgResults = results.filter((r) => r.ledger === 'postgres')
  const values = (f: (r: FlowResult) => string) =>
    Object.fromEntries(pgResults.map((r) => [r.target, f(r)])) as Partial<Record<TargetName, string>>
  const by = new Map(pgResults.map((r) => [r.target, r]))
  const s = by.get('seatlock')?.confirmsPerSec ?? 0
  const scenario = `3. full flow hold → confirm (${ctx.opts.connections} conn)`
  const out: SummaryRow[] = [
    {
      scenario,
      metric: 'confirms/s (PostgreSQL ledger)',
      values: values((r) => fmt(r.confirmsPerSec)),
      ratio: ['reference', 'pg', 'redlock']
        .map((t) => `${t} ${ratio(s, by.get(t as TargetName)?.confirmsPerSec ?? 0) ?? 'n/a'}×`)
        .join(', '),
      target: '',
      met: null,
    },
    {
      scenario,
      metric: 'confirm latency p50 / p99 (ms)',
      values: values((r) => `${r.confirmLatency.p50} / ${r.confirmLatency.p99}`),
      ratio: '',
      target: '',
      met: null,
    },
    {
      scenario,
      metric: 'ledger: every confirmed seat sold once',
      values: values((r) => (r.consistent ? 'yes' : 'no')),
      ratio: '',
      target: 'seatlock: yes',
      met: by.get('seatlock')?.consistent ?? null,
    },
  ]
  const mongo = results.find((r) => r.ledger === 'mongodb')
  out.push({
    scenario,
    metric: 'confirms/s (MongoDB ledger)',
    values: { seatlock: mongo ? fmt(mongo.confirmsPerSec) : 'skipped (MONGO_URL unset)' },
    ratio: '',
    target: '',
    met: null,
  })
  return out
}
