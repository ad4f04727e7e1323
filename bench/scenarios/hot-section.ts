/**
 * 6. Hot section: every confirm of a run lands in ONE section, so on seatlock every confirm updates the same
 * count row of the ledger. General admission (each hold takes 2 units of one large section) and seated (each
 * hold takes 2 fresh seats of one section); 50 connections loop hold → confirm; confirms/s, the latency of
 * both steps and every status, then the ledger is checked (lib/ledger-check.ts). seatlock and the reference,
 * in rounds that interleave them as in uncontended; seatlock on MongoDB too when MONGO_URL is set.
 */
import { performance } from 'node:perf_hooks'
import type { Request } from 'autocannon'
import { KindTimer, runLoad } from '../lib/load.js'
import type { LoadSummary } from '../lib/load.js'
import { judge, referenceView, seatlockPgView, seatlockPortView } from '../lib/ledger-check.js'
import type { LedgerCheck, LedgerView } from '../lib/ledger-check.js'
import { log } from '../lib/log.js'
import { onMongo } from '../lib/mongo.js'
import { sliceOrder, waitQuiet } from '../lib/slices.js'
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
import type { Running, Section, TargetName } from '../lib/targets.js'
import { RATE_CAP } from './context.js'
import type { Ctx } from './context.js'
import { RunTotals, confirmMetrics, fivexx, readNow, stageMeans } from './hot-section-readings.js'
import type { ConfirmMetrics } from './hot-section-readings.js'
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
/** The warm-up's seconds in this bench's mode (quick: half a second). */
function warmupOf(opts: Ctx['opts']): number {
  return opts.quick ? 0.5 : WARMUP_S
}
/**
 * Measured slices per server and round. Four slices of 2.5 s (the full bench's 10 s): long against the 20 ms a
 * loop takes, so a slice's first and last loops (its ramp) weigh under 1%, and short against the host's drift;
 * an even number, so that the order A B B A A B B A gives neither server the earlier half of the round.
 */
const SLICES_EACH = 4
/**
 * Seated warm-up sections at most (each 49,999 pairs): 15 s at up to 10,000 confirms/s (the fastest reference
 * so far confirmed about 6,300 seated a second in its warm-up).
 */
const WARM_SEATED_SECTIONS = 3
/** The API's largest general-admission section. */
const GA_MAX = 1_000_000

function byStatus(timer: KindTimer): Record<string, number> {
  return Object.fromEntries([...timer.byStatus].map(([status, r]) => [String(status), r.count]))
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

/** One server's part of a round: its event, its running server, and what its slices measured so far. */
interface Side {
  ctx: Ctx
  variant: Variant
  target: TargetName
  roundNo: number
  admin: SeatlockAdmin
  ledgerName: 'postgres' | 'mongodb'
  eventId: string
  running: Running
  /** The measured run's hold step (it keeps its place in the section from one slice to the next). */
  hotHolds: HoldStep
  holds: KindTimer
  confirms: KindTimer
  coldConfirms: KindTimer
  /** Holds confirmed (201) in the measured slices: the hot section's sales the ledger check expects. */
  confirmed: Set<string>
  warm: LoadSummary
  warmSeconds: number
  /** When the warm-up took its sections' last fresh seats, if it did (it then ended early: reported). */
  warmRanOut: boolean
  metrics0: ConfirmMetrics | undefined
  totals: RunTotals
  /** The measured run took its section's last fresh seats: it has no slices left to run. */
  soldOut: boolean
}

/**
 * The hold step of a run: 2 units of its GA section, or 2 seats no earlier hold took, with the stop that
 * fires at the last of them (a GA section is sized for the run: it has none).
 */
interface HoldStep {
  request: Request
  stop?: AbortSignal
  ranOutAt: () => number | undefined
}

function holdsIn(eventId: string, sections: Section[], timer: KindTimer): HoldStep {
  const first = sections[0] as Section
  if (!('seats' in first)) {
    return { request: gaHoldStep(eventId, first.id, UNITS, timer, remember), ranOutAt: () => undefined }
  }
  const stop = new AbortController()
  const seated = sections.flatMap((s) => ('seats' in s ? [s] : []))
  return { ...freshPairHolds(eventId, seated, timer, stop), stop: stop.signal }
}

/**
 * Starts one server of a round on an event of its own and warms it up: a server just started, loaded in
 * sections of its own for the warm-up (its rate is the cold row).
 */
async function openSide(
  ctx: Ctx,
  variant: Variant,
  target: TargetName,
  roundNo: number,
  admin: SeatlockAdmin,
  ledgerUrl?: string,
): Promise<Side> {
  const { infra, opts } = ctx
  const warmup = warmupOf(opts)
  const eventId = newEventId(`hot-${variant}`)
  const section = sectionFor(HOT, variant, opts.duration)
  const warmSections = warmSectionsFor(variant, warmup)
  await createEvent(target, infra, admin, eventId, [section, ...warmSections])
  const running = await startTarget(target, infra, { cpuProfDir: opts.cpuProfDir, ledgerUrl })
  try {
    if ('seats' in section) await prime(running.url, eventId, HOT, `s${section.seats.length}`)
    else await primeGa(running.url, eventId, HOT)
    const coldConfirms = new KindTimer()
    const warmHolds = holdsIn(eventId, warmSections, new KindTimer())
    const warmStarted = performance.now()
    const warm = await runLoad({
      label: `${target} warm-up`,
      url: running.url,
      connections: opts.connections,
      duration: warmup,
      requests: [warmHolds.request, onHoldStep(eventId, 'POST', '/confirm', coldConfirms)],
      quiet: true,
      stop: warmHolds.stop,
    })
    const warmRanOutAt = warmHolds.ranOutAt()
    await waitQuiet(() => running.child.cpuSeconds())
    const holds = new KindTimer()
    return {
      ctx,
      variant,
      target,
      roundNo,
      admin,
      ledgerName: ledgerUrl ? 'mongodb' : 'postgres',
      eventId,
      running,
      hotHolds: holdsIn(eventId, [section], holds),
      holds,
      confirms: new KindTimer(),
      coldConfirms,
      confirmed: new Set<string>(),
      warm,
      warmSeconds: secondsOf(warm, warmStarted, warmRanOutAt),
      warmRanOut: warmRanOutAt !== undefined,
      metrics0: target === 'seatlock' ? await confirmMetrics(running.url) : undefined,
      totals: new RunTotals(),
      soldOut: false,
    }
  } catch (error) {
    await running.stop()
    throw error
  }
}

/**
 * One measured slice of a side's run: `seconds` of load, then the server left to finish what the load
 * generator cut off, with the four processes' CPU read around it. A side whose section ran out runs none.
 */
async function runSlice(side: Side, seconds: number, sliceNo: number): Promise<void> {
  if (side.soldOut) return
  const { ctx, running } = side
  const before = await readNow(running, ctx.infra)
  const client0 = process.cpuUsage()
  const started = performance.now()
  const load = await runLoad({
    label: `${side.target} ${side.variant} hold → confirm (round ${side.roundNo}, slice ${sliceNo})`,
    url: running.url,
    connections: ctx.opts.connections,
    duration: seconds,
    requests: [
      side.hotHolds.request,
      onHoldStep(side.eventId, 'POST', '/confirm', side.confirms, (status, context) => {
        if (status === 201 && typeof context.holdId === 'string') side.confirmed.add(context.holdId)
      }),
    ],
    stop: side.hotHolds.stop,
    quiet: true,
  })
  const client = process.cpuUsage(client0)
  await waitQuiet(() => running.child.cpuSeconds())
  const after = await readNow(running, ctx.infra)
  const ranOutAt = side.hotHolds.ranOutAt()
  // A run that sold its section out is measured until it took the last seats, not while it was stopping.
  const soldOutHere = ranOutAt !== undefined && ranOutAt >= started
  side.soldOut ||= soldOutHere
  side.totals.add(
    secondsOf(load, started, soldOutHere ? ranOutAt : undefined),
    load,
    (client.user + client.system) / 1e6,
    before,
    after,
  )
}

/** Stops a side's server, checks its ledger, and reports what its slices measured. */
async function closeSide(side: Side): Promise<HotResult> {
  const { ctx, running, totals, variant, target } = side
  const metrics1 = side.metrics0 ? await confirmMetrics(running.url) : undefined
  // Stopped first: it finishes the confirms in flight, so the ledger no longer moves when it is read.
  await running.stop()
  let view: LedgerView
  if (target === 'reference') view = await referenceView(ctx.infra.pool, side.eventId)
  else if (side.ledgerName === 'postgres') view = await seatlockPgView(ctx.infra.pool, side.eventId, HOT)
  else view = await seatlockPortView(side.admin.ledger, side.eventId, HOT)
  const check = judge(withoutWarmUp(view), {
    section: HOT,
    kind: variant,
    unitsPerHold: UNITS,
    confirmed: side.confirmed,
    // One confirm per connection may be cut off when a slice stops (the warm-up's are in WARM).
    cutOff: ctx.opts.connections * Math.max(1, totals.slices),
  })
  const confirmed = side.confirms.count(201)
  const per = (seconds: number) => round((seconds * 1000) / Math.max(1, confirmed), 3)
  const warmup = warmupOf(ctx.opts)
  const result: HotResult = {
    variant,
    target,
    ledger: side.ledgerName,
    round: side.roundNo,
    confirmsPerSec: round(confirmed / Math.max(0.001, totals.seconds), 1),
    ...(side.soldOut ? { soldOutAfterS: round(totals.seconds, 2) } : {}),
    confirms: confirmed,
    measuredS: round(totals.seconds, 2),
    slices: totals.slices,
    warmupS: warmup,
    coldConfirmsPerSec: round(side.coldConfirms.count(201) / Math.max(0.001, side.warmSeconds), 1),
    ...(side.warmRanOut ? { warmupSoldOutAfterS: round(side.warmSeconds, 2) } : {}),
    holdLatency: side.holds.summary(201),
    confirmLatency: side.confirms.summary(201),
    statuses: totals.statuses,
    holdStatuses: byStatus(side.holds),
    confirmStatuses: byStatus(side.confirms),
    serverErrors: fivexx(side.warm) + totals.serverErrors,
    errors: side.warm.errors + totals.errors,
    timeouts: side.warm.timeouts + totals.timeouts,
    ledgerCheck: check,
    serverCpuMsPerConfirm: per(totals.serverCpu),
    redisCpuMsPerConfirm: per(totals.redisCpu),
    // The PostgreSQL server is this machine's, shared by every ledger URL: read only when it is the ledger.
    ...(side.ledgerName === 'postgres' ? { ledgerCpuMsPerConfirm: per(totals.postgresCpu) } : {}),
    redisCommandsPerConfirm: totals.commandsPerConfirm(confirmed),
    clientCpuMsPerConfirm: per(totals.clientCpu),
    serverWritesPerConfirm: round(totals.writes / Math.max(1, confirmed), 2),
    serverLoopBusy: round(totals.loopBusy(), 2),
    ...(side.metrics0 && metrics1
      ? {
          confirmsPerTransaction: round(
            (metrics1.confirms - side.metrics0.confirms) /
              Math.max(1, metrics1.transactions - side.metrics0.transactions),
            2,
          ),
          confirmStagesMs: stageMeans(side.metrics0, metrics1),
        }
      : {}),
  }
  logResult(result, check, side.confirmed.size)
  return result
}

function logResult(result: HotResult, check: LedgerCheck, answered: number): void {
  log(
    `  ${result.target} (${result.ledger}) ${result.variant} round ${result.round}: ${fmt(result.confirmsPerSec)} ` +
      `confirms/s over ${result.slices} slices, ${result.measuredS} s` +
      (result.soldOutAfterS === undefined ? '' : ` (section sold out after ${result.soldOutAfterS} s)`) +
      `; ` +
      `confirm p50 ${result.confirmLatency.p50} / p99 ${result.confirmLatency.p99} ms (cold, the ${result.warmupS} s ` +
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
      `(section count ${check.sectionSold ?? '–'}) for ${answered} confirms answered 201, ` +
      `${check.unanswered} cut off: ${check.exact ? 'exact' : `NOT EXACT (${check.problems.join('; ')})`}`,
  )
}

/**
 * One round of one variant: every server warmed up on an event of its own, then their measured runs in
 * SLICES_EACH slices each, interleaved A B B A … (lib/slices.ts), against the same Redis and PostgreSQL.
 */
async function interleavedRound(
  ctx: Ctx,
  variant: Variant,
  targets: TargetName[],
  roundNo: number,
  admin: SeatlockAdmin,
  ledgerUrl?: string,
): Promise<HotResult[]> {
  await ctx.infra.flushRedis()
  const sides: Side[] = []
  try {
    for (const target of targets) sides.push(await openSide(ctx, variant, target, roundNo, admin, ledgerUrl))
    const seconds = ctx.opts.duration / SLICES_EACH
    let sliceNo = 0
    for (const index of sliceOrder(sides.length, SLICES_EACH)) {
      await runSlice(sides[index] as Side, seconds, Math.floor(sliceNo++ / sides.length) + 1)
    }
    const results: HotResult[] = []
    for (let side = sides.shift(); side; side = sides.shift()) results.push(await closeSide(side))
    return results
  } finally {
    // A round that failed part-way still stops every server it started.
    for (const side of sides) await side.running.stop()
  }
}

export async function hotSection(ctx: Ctx): Promise<ScenarioResult> {
  const targets = HOT_TARGETS.filter((t) => ctx.opts.targets.includes(t))
  const rounds = ctx.opts.quick ? 1 : 5
  const all: HotResult[] = []
  const notes: string[] = []
  for (let r = 1; r <= rounds; r++) {
    for (const variant of VARIANTS) all.push(...(await interleavedRound(ctx, variant, targets, r, ctx.admin)))
  }
  if (targets.includes('seatlock')) {
    await onMongo(ctx, notes, async (mongoAdmin, mongoUrl) => {
      // One round: the MongoDB ledger is reported, not compared.
      for (const variant of VARIANTS) {
        all.push(...(await interleavedRound(ctx, variant, ['seatlock'], 1, mongoAdmin, mongoUrl)))
      }
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
      `of one section of up to ${fmt(SECTION_SIZE)} seats. In each of ${rounds} round(s) both servers start on ` +
      `events of their own against the same Redis and PostgreSQL, each warms up for ` +
      `${warmupOf(ctx.opts)} s in sections of its own (its rate is the cold row), then each runs ` +
      `${ctx.opts.duration} s measured in ${SLICES_EACH} slices of ${fmt(ctx.opts.duration / SLICES_EACH)} s, the ` +
      'two servers’ slices interleaved A B B A … so that both meet every stretch of the host’s speed; after a slice ' +
      'its server finishes what the load generator cut off before the next slice starts, and the CPU readings ' +
      'include it. confirms/s counts 201 confirms of the slices over their seconds. A seated run that takes its ' +
      "section's last fresh seats stops there (a server that fast would otherwise loop on refused holds), and its " +
      'rate is over the time until then. The ratio is the median over rounds of seatlock ÷ reference in the same ' +
      'round, the table shows each server’s median round, 5xx and the ledger cover every run.',
    'ledger check (after the server stopped): every confirm answered 201 is a sale, every sale is 2 units of the ' +
      'hot section, no seat is sold twice and the sold-seat records are exactly the seats of the sales, seatlock’s ' +
      'capacity − remaining equals the units of its confirmed reservations; sales never answered (confirms cut off ' +
      'when a slice stopped) are allowed up to one per connection per slice.',
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
