/**
 * 6. Hot section: every confirm of a run lands in ONE section, so on seatlock every confirm updates the same
 * count row of the ledger. General admission (each hold takes 2 units of one large section) and seated (each
 * hold takes 2 fresh seats of one section); 50 connections loop hold → confirm; confirms/s, the latency of
 * both steps and every status, then the ledger is checked (lib/ledger-check.ts). seatlock and the reference,
 * in rounds that interleave them as in uncontended; seatlock on MongoDB too when MONGO_URL is set.
 */
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import type { Request } from 'autocannon'
import { KindTimer, runLoad } from '../lib/load.js'
import type { LoadSummary } from '../lib/load.js'
import { judge, referenceView, seatlockPgView, seatlockPortView } from '../lib/ledger-check.js'
import type { LedgerView } from '../lib/ledger-check.js'
import type { CommandStat } from '../lib/infra.js'
import { log } from '../lib/log.js'
import { onMongo } from '../lib/mongo.js'
import { busyShare } from '../lib/loop-busy.js'
import { cpuSecondsOfCommand } from '../lib/proc.js'
import { parsePrometheus } from '../../test/helpers/metrics.js'
import {
  SECTION_SIZE,
  gaHoldStep,
  onHoldStep,
  prime,
  primeGa,
  remember,
  seatLabels,
} from '../lib/requests.js'
import { freshPairHolds } from '../lib/fresh-pairs.js'
import { fmt } from '../lib/results.js'
import type { ScenarioResult } from '../lib/results.js'
import { round } from '../lib/stats.js'
import { SeatlockAdmin, createEvent, newEventId, startTarget } from '../lib/targets.js'
import type { Section, TargetName } from '../lib/targets.js'
import { RATE_CAP } from './context.js'
import type { Ctx } from './context.js'
import { hotRows } from './hot-section-rows.js'
import type { HotResult, Variant } from './hot-section-result.js'

const VARIANTS: Variant[] = ['ga', 'seated']
/** The only servers the requirement compares (the other baselines take seated holds only). */
const HOT_TARGETS: TargetName[] = ['seatlock', 'reference']
const HOT = 'hot'
/** The warm-up's own section of the same event: the measured run starts on a fresh hot section. */
const WARM = 'warm'
const UNITS = 2
/**
 * Seconds of load before the measured run (full mode): the same for both servers, long enough for both to be
 * at their steady speed. seatlock's per-batch code (group commit, finalise) runs about 100 times a second
 * and V8 optimises it only after 10 to 15 s of load: measured after 2 s, its server still spent about a
 * tenth of its CPU compiling and 1.15 ms of CPU a loop against about 0.95 after 15 s (three interleaved
 * quick GA pairs: 0.63×, 0.67×, 0.63× after 2 s against 0.67×, 0.69×, 0.72× after 15 s; 30 s measured the
 * same as 15). Those first seconds are reported too, as the cold rate. The warm-up takes its holds in a section
 * of its own, so a fast machine's warm-up does not use up the measured section's seats.
 */
const WARMUP_S = 15
/**
 * Seated warm-up sections at most (each 49,999 pairs): 15 s at up to 10,000 confirms/s (the fastest reference
 * so far confirmed about 6,300 seated a second in its warm-up).
 */
const WARM_SEATED_SECTIONS = 3
/** The API's largest general-admission section. */
const GA_MAX = 1_000_000

/** Write system calls a process made so far (/proc/<pid>/io), 0 where that cannot be read. */
function writeCalls(pid: number): number {
  try {
    return Number(/syscw:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? 0)
  } catch {
    return 0
  }
}

/** What seatlock's /metrics says so far about its confirms: the group commit's transactions and steps. */
interface ConfirmMetrics {
  /** Transactions of the group commit and the confirms they carried. */
  transactions: number
  confirms: number
  /**
   * Per step (pin, ledger, finalise): how many confirms reached it and their seconds in it; `answer` is the
   * whole 201 answer in the server (its hooks and body parsing too).
   */
  stages: Record<string, { count: number; seconds: number }>
}

const STAGES = ['pin', 'ledger', 'finalise', 'answer'] as const

async function confirmMetrics(url: string): Promise<ConfirmMetrics | undefined> {
  try {
    const scrape = parsePrometheus(await (await fetch(`${url}/metrics`)).text())
    const transactions = scrape.get('seatlock_ledger_confirm_batch_size_count')
    const confirms = scrape.get('seatlock_ledger_confirm_batch_size_sum')
    if (transactions === undefined || confirms === undefined) return undefined
    const stages = Object.fromEntries(
      STAGES.map((stage) => {
        const [name, labels] =
          stage === 'answer'
            ? ['seatlock_confirm_duration_seconds', { status_code: '201' }]
            : ['seatlock_confirm_stage_seconds', { stage }]
        return [
          stage,
          { count: scrape.count(`${name}_count`, labels), seconds: scrape.count(`${name}_sum`, labels) },
        ]
      }),
    )
    return { transactions, confirms, stages }
  } catch {
    return undefined
  }
}

/** Mean milliseconds per confirm in each step between two readings. */
function stageMeans(before: ConfirmMetrics, after: ConfirmMetrics): Record<string, number> {
  return Object.fromEntries(
    STAGES.map((stage) => {
      const a = after.stages[stage] ?? { count: 0, seconds: 0 }
      const b = before.stages[stage] ?? { count: 0, seconds: 0 }
      return [stage, round(((a.seconds - b.seconds) * 1000) / Math.max(1, a.count - b.count), 2)]
    }),
  )
}

function byStatus(timer: KindTimer): Record<string, number> {
  return Object.fromEntries([...timer.byStatus].map(([status, r]) => [String(status), r.count]))
}

function fivexx(load: LoadSummary): number {
  return Object.entries(load.statuses).reduce((n, [code, count]) => n + (code.startsWith('5') ? count : 0), 0)
}

/** The busiest commands between two INFO commandstats readings, per confirm, busiest first. */
function commandsPerConfirm(
  before: Map<string, CommandStat>,
  after: Map<string, CommandStat>,
  confirms: number,
): Record<string, { calls: number; usec: number }> {
  const per = Math.max(1, confirms)
  const rows = [...after].map(([name, stat]) => {
    const was = before.get(name) ?? { calls: 0, usec: 0 }
    return { name, calls: (stat.calls - was.calls) / per, usec: (stat.usec - was.usec) / per }
  })
  rows.sort((a, b) => b.usec - a.usec)
  return Object.fromEntries(
    rows.slice(0, 8).map((r) => [r.name, { calls: round(r.calls, 2), usec: round(r.usec, 1) }]),
  )
}

/**
 * A section for `seconds` of load (a hold → confirm pair runs at well under half the hold rate). A seated section
 * stops at the API's 100,000 seats (49,999 pairs, the last seat primes); a run that uses them all is stopped
 * there (`freshPairHolds`), and its rate is taken over the time until then.
 */
function sectionFor(id: string, variant: Variant, seconds: number): Section {
  const units = Math.ceil(RATE_CAP * seconds) + 1
  return variant === 'ga'
    ? { id, capacity: Math.min(GA_MAX, units) }
    : { id, seats: seatLabels(Math.min(SECTION_SIZE, units)) }
}

/**
 * The warm-up's sections: seated, up to WARM_SEATED_SECTIONS of them taken one after another, so that a fast
 * machine's 15 s do not run out of seats as one section's 49,999 pairs would (measured: about 10 s at 5,000
 * confirms/s); if they still run out, the warm-up stops there.
 */
function warmSectionsFor(variant: Variant, seconds: number): Section[] {
  const first = sectionFor(WARM, variant, seconds)
  if (variant === 'ga') return [first]
  const needed = Math.ceil((RATE_CAP * seconds) / SECTION_SIZE)
  const count = Math.max(1, Math.min(WARM_SEATED_SECTIONS, needed))
  return [
    first,
    ...Array.from({ length: count - 1 }, (_, i) => sectionFor(`${WARM}${i + 2}`, variant, seconds)),
  ]
}

/** A run's seconds of load: until it took its sections' last fresh seats, if it did, else its whole duration. */
function secondsOf(run: LoadSummary, started: number, ranOutAt: number | undefined): number {
  return ranOutAt === undefined ? run.durationS : (ranOutAt - started) / 1000
}

/**
 * The ledger without the warm-up's sales (every item in WARM, as the warm-up takes them): what is left must be
 * exactly the measured run's sales of the hot section, and anything else still counts against the check.
 */
function withoutWarmUp(view: LedgerView): LedgerView {
  return {
    ...view,
    sales: view.sales.filter((sale) => !sale.items.every((item) => item.section.startsWith(WARM))),
    soldSeats: view.soldSeats.filter((seat) => !seat.startsWith(WARM)),
  }
}

async function flow(
  ctx: Ctx,
  variant: Variant,
  target: TargetName,
  roundNo: number,
  admin: SeatlockAdmin,
  ledgerUrl?: string,
): Promise<HotResult> {
  const { infra, opts } = ctx
  const ledgerName = ledgerUrl ? 'mongodb' : 'postgres'
  const warmup = opts.quick ? 0.5 : WARMUP_S
  await infra.flushRedis()
  const eventId = newEventId(`hot-${variant}`)
  const section = sectionFor(HOT, variant, opts.duration)
  const warmSections = warmSectionsFor(variant, warmup)
  await createEvent(target, infra, admin, eventId, [section, ...warmSections])
  /** Holds confirmed (201) in the measured run: the hot section's sales the ledger check expects. */
  const confirmed = new Set<string>()
  const onConfirm = (status: number, context: Record<string, unknown>) => {
    if (status === 201 && typeof context.holdId === 'string') confirmed.add(context.holdId)
  }
  const holds = new KindTimer()
  const confirms = new KindTimer()
  /** The warm-up's confirms: the server's first seconds of load after it started (cold). */
  const coldConfirms = new KindTimer()
  let warm: LoadSummary
  let load: LoadSummary
  let cpu0 = 0
  let loopBusy = 0
  let redisCpu0 = 0
  let serverCpu = 0
  let writes0 = 0
  let metrics0: ConfirmMetrics | undefined
  let perTransaction: number | undefined
  let stagesMs: Record<string, number> | undefined
  let serverWrites = 0
  let redisCpu = 0
  let redisStats0 = new Map<string, CommandStat>()
  let redisStats = new Map<string, CommandStat>()
  let pgCpu0 = 0
  let pgCpu = 0
  let clientCpu0 = process.cpuUsage()
  let clientCpu = 0
  let loadStarted = 0
  let warmStarted = 0
  /** When the warm-up took its sections' last fresh seats, if it did (it then ended early: reported). */
  let warmRanOutAt: number | undefined
  /** When the measured run took its section's last fresh seats, if it did. */
  let ranOutAt: number | undefined
  const running = await startTarget(target, infra, { cpuProfDir: opts.cpuProfDir, ledgerUrl })
  try {
    /**
     * The hold step of a run: 2 units of its GA section, or 2 seats no earlier hold took, with the stop that
     * fires at the last of them (a GA section is sized for the run: it has none).
     */
    const holdsIn = (
      sections: Section[],
      timer: KindTimer,
    ): { request: Request; stop?: AbortSignal; ranOutAt: () => number | undefined } => {
      const first = sections[0] as Section
      if (!('seats' in first)) {
        return { request: gaHoldStep(eventId, first.id, UNITS, timer, remember), ranOutAt: () => undefined }
      }
      const stop = new AbortController()
      const seated = sections.flatMap((s) => ('seats' in s ? [s] : []))
      return { ...freshPairHolds(eventId, seated, timer, stop), stop: stop.signal }
    }
    if ('seats' in section) await prime(running.url, eventId, HOT, `s${section.seats.length}`)
    else await primeGa(running.url, eventId, HOT)
    const warmHolds = holdsIn(warmSections, new KindTimer())
    warmStarted = performance.now()
    warm = await runLoad({
      label: `${target} warm-up`,
      url: running.url,
      connections: opts.connections,
      duration: warmup,
      requests: [warmHolds.request, onHoldStep(eventId, 'POST', '/confirm', coldConfirms)],
      quiet: true,
      stop: warmHolds.stop,
    })
    warmRanOutAt = warmHolds.ranOutAt()
    metrics0 = target === 'seatlock' ? await confirmMetrics(running.url) : undefined
    cpu0 = running.child.cpuSeconds()
    writes0 = writeCalls(running.child.pid)
    redisCpu0 = await infra.redisCpuSeconds()
    redisStats0 = await infra.redisCommandStats()
    pgCpu0 = cpuSecondsOfCommand('postgres')
    clientCpu0 = process.cpuUsage()
    const hotHolds = holdsIn([section], holds)
    // Last before the load: the readings above leave the server idle, which is not the run's.
    const loop0 = await running.loop()
    loadStarted = performance.now()
    load = await runLoad({
      label: `${target} ${variant} hold → confirm (round ${roundNo})`,
      url: running.url,
      connections: opts.connections,
      duration: opts.duration,
      requests: [hotHolds.request, onHoldStep(eventId, 'POST', '/confirm', confirms, onConfirm)],
      stop: hotHolds.stop,
    })
    ranOutAt = hotHolds.ranOutAt()
    serverCpu = running.child.cpuSeconds() - cpu0
    loopBusy = busyShare(loop0, await running.loop())
    pgCpu = cpuSecondsOfCommand('postgres') - pgCpu0
    const client = process.cpuUsage(clientCpu0)
    clientCpu = (client.user + client.system) / 1e6
    serverWrites = writeCalls(running.child.pid) - writes0
    const metrics1 = metrics0 ? await confirmMetrics(running.url) : undefined
    if (metrics0 && metrics1) {
      perTransaction =
        (metrics1.confirms - metrics0.confirms) / Math.max(1, metrics1.transactions - metrics0.transactions)
      stagesMs = stageMeans(metrics0, metrics1)
    }
    redisCpu = (await infra.redisCpuSeconds()) - redisCpu0
    redisStats = await infra.redisCommandStats()
  } finally {
    // Stopped first: it finishes the confirms in flight, so the ledger no longer moves when it is read.
    await running.stop()
  }
  let view: LedgerView
  if (target === 'reference') view = await referenceView(infra.pool, eventId)
  else if (ledgerName === 'postgres') view = await seatlockPgView(infra.pool, eventId, HOT)
  else view = await seatlockPortView(admin.ledger, eventId, HOT)
  const check = judge(withoutWarmUp(view), {
    section: HOT,
    kind: variant,
    unitsPerHold: UNITS,
    confirmed,
    // One confirm per connection may be cut off when the measurement stops (the warm-up's are in WARM).
    cutOff: opts.connections,
  })
  const warmSeconds = secondsOf(warm, warmStarted, warmRanOutAt)
  const measuredSeconds = secondsOf(load, loadStarted, ranOutAt)
  const result: HotResult = {
    variant,
    target,
    ledger: ledgerName,
    round: roundNo,
    // A run that sold its section out is measured until it took the last seats, not while it was stopping.
    confirmsPerSec: round(confirms.count(201) / measuredSeconds, 1),
    ...(ranOutAt === undefined ? {} : { soldOutAfterS: round(measuredSeconds, 2) }),
    confirms: confirms.count(201),
    warmupS: warmup,
    coldConfirmsPerSec: round(coldConfirms.count(201) / Math.max(0.001, warmSeconds), 1),
    ...(warmRanOutAt === undefined ? {} : { warmupSoldOutAfterS: round(warmSeconds, 2) }),
    holdLatency: holds.summary(201),
    confirmLatency: confirms.summary(201),
    statuses: load.statuses,
    holdStatuses: byStatus(holds),
    confirmStatuses: byStatus(confirms),
    serverErrors: fivexx(warm) + fivexx(load),
    errors: warm.errors + load.errors,
    timeouts: warm.timeouts + load.timeouts,
    ledgerCheck: check,
    serverCpuMsPerConfirm: round((serverCpu * 1000) / Math.max(1, confirms.count(201)), 3),
    redisCpuMsPerConfirm: round((redisCpu * 1000) / Math.max(1, confirms.count(201)), 3),
    // The PostgreSQL server is this machine's, shared by every ledger URL: read only when it is the ledger.
    ...(ledgerName === 'postgres'
      ? { ledgerCpuMsPerConfirm: round((pgCpu * 1000) / Math.max(1, confirms.count(201)), 3) }
      : {}),
    redisCommandsPerConfirm: commandsPerConfirm(redisStats0, redisStats, confirms.count(201)),
    clientCpuMsPerConfirm: round((clientCpu * 1000) / Math.max(1, confirms.count(201)), 3),
    serverWritesPerConfirm: round(serverWrites / Math.max(1, confirms.count(201)), 2),
    serverLoopBusy: round(loopBusy, 2),
    ...(perTransaction === undefined ? {} : { confirmsPerTransaction: round(perTransaction, 2) }),
    ...(stagesMs === undefined ? {} : { confirmStagesMs: stagesMs }),
  }
  log(
    `  ${target} (${ledgerName}) ${variant} round ${roundNo}: ${fmt(result.confirmsPerSec)} confirms/s` +
      (result.soldOutAfterS === undefined ? '' : ` (section sold out after ${result.soldOutAfterS} s)`) +
      `; ` +
      `confirm p50 ${result.confirmLatency.p50} / p99 ${result.confirmLatency.p99} ms (cold, the ${warmup} s ` +
      `warm-up: ${fmt(result.coldConfirmsPerSec)} confirms/s` +
      (result.warmupSoldOutAfterS === undefined
        ? ''
        : `, SHORT: its sections sold out after ${result.warmupSoldOutAfterS} s`) +
      `); hold p50 ` +
      `${result.holdLatency.p50} / p99 ${result.holdLatency.p99} ms; holds ${JSON.stringify(result.holdStatuses)}, ` +
      `confirms ${JSON.stringify(result.confirmStatuses)}; 5xx ${result.serverErrors}, errors ${result.errors}, ` +
      `timeouts ${result.timeouts}; CPU per hold → confirm: server ${result.serverCpuMsPerConfirm} ms, ` +
      `Redis ${result.redisCpuMsPerConfirm} ms, PostgreSQL ${result.ledgerCpuMsPerConfirm ?? '–'} ms, load ` +
      `generator ${result.clientCpuMsPerConfirm} ms, server writes ${result.serverWritesPerConfirm}, server event loop ` +
      `busy ${result.serverLoopBusy}` +
      (result.confirmsPerTransaction === undefined
        ? ''
        : `; ${result.confirmsPerTransaction} confirms per ledger transaction`) +
      (result.confirmStagesMs === undefined
        ? ''
        : `; confirm steps in the server (mean ms) ${JSON.stringify(result.confirmStagesMs)}`) +
      `; Redis per hold → confirm ${JSON.stringify(result.redisCommandsPerConfirm)}` +
      `; ledger ${check.sales} sales, ${check.unitsSold} units ` +
      `(section count ${check.sectionSold ?? '–'}) for ${confirmed.size} confirms answered 201, ` +
      `${check.unanswered} cut off: ${check.exact ? 'exact' : `NOT EXACT (${check.problems.join('; ')})`}`,
  )
  return result
}

export async function hotSection(ctx: Ctx): Promise<ScenarioResult> {
  const targets = HOT_TARGETS.filter((t) => ctx.opts.targets.includes(t))
  const rounds = ctx.opts.quick ? 1 : 5
  const all: HotResult[] = []
  const notes: string[] = []
  // Rounds interleave the servers, so a burst of other work on the machine does not land on one of them.
  for (let r = 1; r <= rounds; r++) {
    for (const variant of VARIANTS) {
      for (const target of targets) all.push(await flow(ctx, variant, target, r, ctx.admin))
    }
  }
  if (targets.includes('seatlock')) {
    await onMongo(ctx, notes, async (mongoAdmin, mongoUrl) => {
      // One round: the MongoDB ledger is reported, not compared.
      for (const variant of VARIANTS) all.push(await flow(ctx, variant, 'seatlock', 1, mongoAdmin, mongoUrl))
    })
  }
  const short = all.filter((r) => r.warmupSoldOutAfterS !== undefined)
  if (short.length > 0) {
    notes.push(
      'warm-ups cut short by selling out their sections: ' +
        short
          .map((r) => `${r.target} ${r.variant} round ${r.round} after ${r.warmupSoldOutAfterS} s`)
          .join(', '),
    )
  }
  const others = ctx.opts.targets.filter((t) => !HOT_TARGETS.includes(t))
  if (others.length > 0) {
    notes.push(`${others.join(', ')}: not run (the requirement compares seatlock with the reference only).`)
  }
  const { rows, typical, paired } = hotRows(all, ctx, rounds)
  notes.push(
    `each of ${ctx.opts.connections} connections loops hold → confirm with the hold token, every hold in the same ` +
      `section: GA, ${UNITS} units of one section sized for the run; seated, ${UNITS} seats no earlier hold took, ` +
      `of one section of up to ${fmt(SECTION_SIZE)} seats. ${ctx.opts.quick ? 0.5 : WARMUP_S} s warm-up on a ` +
      `server just started, in sections of its own (its rate is the cold row), then ${ctx.opts.duration} s ` +
      `measured; confirms/s counts 201 confirms of the measured run. A seated run that takes its section's last ` +
      'fresh seats stops there (a server that fast would otherwise loop on refused holds), and its rate is over ' +
      `the time until then. ${rounds} round(s) ` +
      'interleave the servers; the ratio is the median over rounds of seatlock ÷ reference in the same round, the ' +
      'table shows each server’s median round, 5xx and the ledger cover every run.',
    'ledger check (after the server stopped): every confirm answered 201 is a sale, every sale is 2 units of the ' +
      'hot section, no seat is sold twice and the sold-seat records are exactly the seats of the sales, seatlock’s ' +
      'capacity − remaining equals the units of its confirmed reservations; sales never answered (confirms cut off ' +
      'when a run stopped) are allowed up to one per connection per run.',
    'server event loop busy: the share of the measured run the server’s one thread was running callbacks ' +
      '(bench/lib/loop-probe.js, preloaded into every server): near 1 that thread was the ceiling; lower, its ' +
      'requests spent the rest waiting on Redis, the ledger or the load generator.',
    'the reference’s GA hold is one EVALSHA checking and raising a counter against the capacity the bench stored ' +
      'in Redis with the event; its confirm is one EVALSHA and one INSERT into bench_ga_sales (one row per confirm, ' +
      'with the quantity). Its seated path is the one the other scenarios measure.',
  )
  return {
    name: 'hot-section',
    title: '6. Hot section',
    data: { rounds, typical, paired, all },
    rows,
    notes,
  }
}
