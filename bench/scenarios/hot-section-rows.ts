/** The summary rows of the hot-section scenario: one block per variant, against the product requirement. */
import { availableParallelism } from 'node:os'
import { fmt } from '../lib/results.js'
import type { SummaryRow } from '../lib/results.js'
import { median, round } from '../lib/stats.js'
import type { TargetName } from '../lib/targets.js'
import type { Ctx } from './context.js'
import type { HotResult, Variant } from './hot-section-result.js'

const MIN_RATIO = 0.8
const MAX_P99_MS = 50

/** Each server's round of median confirms/s stands for it in the table (latency too), as in uncontended. */
function typicalOf(runs: HotResult[]): HotResult | undefined {
  const sorted = [...runs].sort((a, b) => a.confirmsPerSec - b.confirmsPerSec)
  return sorted[Math.floor((sorted.length - 1) / 2)]
}

/** Each seatlock run with the reference's run of the same round (their slices interleaved), in run order. */
function roundPairs(runs: HotResult[]): [HotResult, HotResult][] {
  const pairs: [HotResult, HotResult][] = []
  for (const mine of runs.filter((r) => r.target === 'seatlock')) {
    const theirs = runs.find((r) => r.target === 'reference' && r.round === mine.round)
    if (theirs) pairs.push([mine, theirs])
  }
  return pairs
}

/**
 * seatlock ÷ reference confirms/s of each round and their median, rounded to two places for the table;
 * `exactMedian` is the median of the unrounded ratios, which the target is judged on (0.7998 is not 0.8).
 */
function pairedOf(runs: HotResult[]): { rounds: number[]; median: number; exactMedian: number } {
  const exact: number[] = []
  for (const [mine, theirs] of roundPairs(runs)) {
    if (theirs.confirmsPerSec > 0) exact.push(mine.confirmsPerSec / theirs.confirmsPerSec)
  }
  const exactMedian = median(exact)
  return { rounds: exact.map((x) => round(x)), median: round(exactMedian), exactMedian }
}

/** The same pairing for the warm-ups: each server's first seconds of load after it started. */
function coldPairedOf(runs: HotResult[]): { rounds: number[]; median: number } {
  return pairedOf(runs.map((r) => ({ ...r, confirmsPerSec: r.coldConfirmsPerSec })))
}

/**
 * What bounds seatlock's loop on this machine: its server is one thread, so 1 / (its CPU per loop) is the
 * most it could do with a core to itself; and the other processes share the machine's cores, so cores / (their
 * CPU per loop) is the most it could do even if its server cost nothing.
 */
function ceilings(run: HotResult | undefined): string {
  if (!run || run.ledgerCpuMsPerConfirm === undefined) return ''
  const rest = run.redisCpuMsPerConfirm + run.ledgerCpuMsPerConfirm + run.clientCpuMsPerConfirm
  const cores = availableParallelism()
  const serverBound = run.serverCpuMsPerConfirm > 0 ? fmt(Math.round(1000 / run.serverCpuMsPerConfirm)) : '–'
  const restBound = rest > 0 ? fmt(Math.round((cores * 1000) / rest)) : '–'
  return (
    `seatlock ceilings: its server on one core ${serverBound}/s; the rest on ${cores} cores with its server ` +
    `free ${restBound}/s`
  )
}

/** CPU of one hold → confirm loop over the four processes measured: server, Redis, PostgreSQL, load generator. */
function loopCpuMs(run: HotResult): number | undefined {
  if (run.ledgerCpuMsPerConfirm === undefined) return undefined
  return (
    run.serverCpuMsPerConfirm +
    run.redisCpuMsPerConfirm +
    run.ledgerCpuMsPerConfirm +
    run.clientCpuMsPerConfirm
  )
}

/** Cores those four processes kept busy in a run: its rate times the CPU one loop cost them. */
export function busyCores(run: HotResult): number | undefined {
  const cpu = loopCpuMs(run)
  return cpu === undefined ? undefined : round((run.confirmsPerSec * cpu) / 1000)
}

/**
 * The rate ratio of one round split in two factors whose quotient it is: how many cores the four processes
 * kept busy (seatlock ÷ reference) and the CPU a loop cost them (seatlock ÷ reference). On a machine whose
 * cores these processes share, the first says how much of the machine a server's loop kept working, the
 * second how much work a loop is.
 */
export function ratioFactors(
  mine: HotResult,
  theirs: HotResult,
): { cores: number; cpuPerLoop: number } | undefined {
  const [a, b] = [busyCores(mine), busyCores(theirs)]
  const [x, y] = [loopCpuMs(mine), loopCpuMs(theirs)]
  if (a === undefined || b === undefined || x === undefined || y === undefined || b === 0 || y === 0)
    return undefined
  return { cores: round(a / b), cpuPerLoop: round(x / y) }
}

function factorsByRound(runs: HotResult[]): string {
  const parts: string[] = []
  for (const [mine, theirs] of roundPairs(runs)) {
    const f = ratioFactors(mine, theirs)
    if (f) parts.push(`${f.cores}× ÷ ${f.cpuPerLoop}×`)
  }
  return parts.length === 0
    ? ''
    : `seatlock ÷ reference by round, busy cores ÷ CPU per loop: ${parts.join(', ')}`
}

export function hotRows(all: HotResult[], ctx: Ctx, rounds: number) {
  const rows: SummaryRow[] = []
  const typical: HotResult[] = []
  const paired: Partial<Record<Variant, { rounds: number[]; median: number; exactMedian: number }>> = {}
  for (const variant of ['ga', 'seated'] as Variant[]) {
    const pg = all.filter((r) => r.variant === variant && r.ledger === 'postgres')
    const targets = [...new Set(pg.map((r) => r.target))]
    const mine = (t: TargetName) => pg.filter((r) => r.target === t)
    const by = new Map<TargetName, HotResult>()
    for (const t of targets) {
      const r = typicalOf(mine(t))
      if (r) by.set(t, r)
    }
    typical.push(...by.values())
    const values = (f: (r: HotResult) => string) =>
      Object.fromEntries([...by].map(([t, r]) => [t, f(r)])) as Partial<Record<TargetName, string>>
    const overRuns = (f: (runs: HotResult[]) => string) =>
      Object.fromEntries(targets.map((t) => [t, f(mine(t))])) as Partial<Record<TargetName, string>>
    const scenario =
      `6. hot section, ${variant === 'ga' ? 'GA' : 'seated'} (${ctx.opts.connections} conn, ` +
      `2 ${variant === 'ga' ? 'units' : 'seats'}/hold)`
    const pair = pairedOf(pg)
    paired[variant] = pair
    const r = pair.rounds.length > 0 ? pair.median : null
    rows.push({
      scenario,
      metric: 'confirms/s (PostgreSQL ledger)',
      values: values(
        (x) =>
          fmt(x.confirmsPerSec) +
          (x.soldOutAfterS === undefined ? '' : ` (sold the section out in ${x.soldOutAfterS} s)`),
      ),
      ratio:
        r === null
          ? 'n/a'
          : // A median that rounds onto the target from below is shown as it is.
            `${r === MIN_RATIO && pair.exactMedian < MIN_RATIO ? pair.exactMedian.toFixed(4) : r}×` +
            (pair.rounds.length > 1 ? ` (rounds: ${pair.rounds.map((x) => `${x}×`).join(', ')})` : ''),
      target: `≥ ${MIN_RATIO}× reference`,
      met: r === null ? null : pair.exactMedian >= MIN_RATIO,
    })
    const cold = coldPairedOf(pg)
    rows.push({
      scenario,
      metric: `confirms/s in the first ${pg[0]?.warmupS ?? '?'} s after the server started (cold: the warm-up)`,
      values: values(
        (x) =>
          fmt(x.coldConfirmsPerSec) +
          (x.warmupSoldOutAfterS === undefined
            ? ''
            : ` (warm-up short: sold out in ${x.warmupSoldOutAfterS} s)`),
      ),
      ratio:
        cold.rounds.length === 0
          ? 'n/a'
          : `${cold.median}×` +
            (cold.rounds.length > 1 ? ` (rounds: ${cold.rounds.map((x) => `${x}×`).join(', ')})` : ''),
      target: '',
      met: null,
    })
    const p99 = by.get('seatlock')?.confirmLatency.p99
    const p99s = mine('seatlock').map((x) => x.confirmLatency.p99)
    rows.push({
      scenario,
      metric: 'confirm latency p50 / p99 (ms)',
      values: values((x) => `${x.confirmLatency.p50} / ${x.confirmLatency.p99}`),
      ratio: p99s.length > 1 ? `seatlock p99 by round: ${p99s.join(', ')}` : '',
      target: `seatlock p99 ≤ ${MAX_P99_MS} ms`,
      met: p99 === undefined ? null : p99 <= MAX_P99_MS,
    })
    rows.push({
      scenario,
      metric: 'hold latency p50 / p99 (ms)',
      values: values((x) => `${x.holdLatency.p50} / ${x.holdLatency.p99}`),
      ratio: '',
      target: '',
      met: null,
    })
    rows.push({
      scenario,
      metric: 'CPU ms per hold → confirm: server / Redis / PostgreSQL / load generator',
      values: values(
        (x) =>
          `${x.serverCpuMsPerConfirm} / ${x.redisCpuMsPerConfirm} / ${x.ledgerCpuMsPerConfirm ?? '–'} / ` +
          `${x.clientCpuMsPerConfirm}`,
      ),
      ratio: ceilings(by.get('seatlock')),
      target: '',
      met: null,
    })
    rows.push({
      scenario,
      metric: 'cores kept busy by server, Redis, PostgreSQL and load generator (confirms/s × CPU per loop)',
      values: values((x) => `${busyCores(x) ?? '–'}`),
      ratio: factorsByRound(pg),
      target: '',
      met: null,
    })
    rows.push({
      scenario,
      metric: 'server event loop busy (share of the measured run)',
      values: values((x) => `${x.serverLoopBusy}`),
      ratio: '',
      target: '',
      met: null,
    })
    const sum = (runs: HotResult[], f: (x: HotResult) => number) => runs.reduce((n, x) => n + f(x), 0)
    rows.push({
      scenario,
      metric: `5xx responses (${rounds} round(s), warm-ups included)`,
      values: overRuns((runs) => {
        const failed = sum(runs, (x) => x.errors + x.timeouts)
        return `${sum(runs, (x) => x.serverErrors)}` + (failed > 0 ? ` (+${failed} errors/timeouts)` : '')
      }),
      ratio: '',
      target: 'seatlock: 0',
      met: mine('seatlock').length > 0 ? sum(mine('seatlock'), (x) => x.serverErrors) === 0 : null,
    })
    rows.push({
      scenario,
      metric: 'ledger exact (every run)',
      values: overRuns((runs) => (runs.every((x) => x.ledgerCheck.exact) ? 'yes' : 'no')),
      ratio: '',
      target: 'yes',
      met: pg.length > 0 ? pg.every((x) => x.ledgerCheck.exact) : null,
    })
    const mongo = all.find((x) => x.variant === variant && x.ledger === 'mongodb')
    rows.push({
      scenario,
      metric: 'confirms/s (MongoDB ledger): confirm p99, 5xx, ledger exact',
      values: {
        seatlock: mongo
          ? `${fmt(mongo.confirmsPerSec)}: ${mongo.confirmLatency.p99} ms, ${mongo.serverErrors}, ` +
            (mongo.ledgerCheck.exact ? 'yes' : 'no')
          : 'skipped (MONGO_URL unset)',
      },
      ratio: '',
      target: '',
      met: null,
    })
  }
  return { rows, typical, paired }
}
