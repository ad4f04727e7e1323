/**
 * seatlock load benchmarks: `npm run bench` (full) or `npm run bench:quick` (under 2 minutes).
 * Flags: --quick, --only=<scenario,...>, --targets=<name,...>, --profile (CPU profiles of seatlock),
 * --duration=<s>, --out=<dir>.
 */
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { ROOT_DIR } from '../src/paths.js'
import { startInfra } from './lib/infra.js'
import { log } from './lib/log.js'
import { machineInfo, measuredCommit, writeScenario, writeSummary } from './lib/results.js'
import type { ScenarioResult } from './lib/results.js'
import { BASELINE_DESCRIPTIONS, SeatlockAdmin, TARGETS } from './lib/targets.js'
import type { TargetName } from './lib/targets.js'
import { bestAvailable } from './scenarios/best-available.js'
import type { BenchOptions, Ctx } from './scenarios/context.js'
import { flashSale } from './scenarios/flash-sale.js'
import { fullFlow } from './scenarios/full-flow.js'
import { hotSection } from './scenarios/hot-section.js'
import { memory } from './scenarios/memory.js'
import { scale } from './scenarios/scale.js'
import { seatMap } from './scenarios/seat-map.js'
import { uncontended } from './scenarios/uncontended.js'

const SCENARIOS: Record<string, (ctx: Ctx) => Promise<ScenarioResult>> = {
  uncontended,
  'flash-sale': flashSale,
  'full-flow': fullFlow,
  scale,
  memory,
  'hot-section': hotSection,
  'best-available': bestAvailable,
  'seat-map': seatMap,
}

function flag(name: string): string | undefined {
  const prefix = `--${name}=`
  return process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length)
}

function parseOptions(): { opts: BenchOptions; only: string[]; out: string } {
  const quick = process.argv.includes('--quick')
  const targets = (flag('targets')?.split(',') ?? TARGETS) as TargetName[]
  for (const t of targets) if (!TARGETS.includes(t)) throw new Error(`unknown target ${t}`)
  const only = flag('only')?.split(',') ?? Object.keys(SCENARIOS)
  for (const s of only) if (!SCENARIOS[s]) throw new Error(`unknown scenario ${s}`)
  const out = flag('out') ?? join(ROOT_DIR, 'bench/results', quick ? 'quick' : '')
  const opts: BenchOptions = {
    quick,
    duration: Number(flag('duration') ?? (quick ? 3 : 10)),
    warmup: quick ? 1 : 2,
    connections: 50,
    targets,
    cpuProfDir: process.argv.includes('--profile') ? join(ROOT_DIR, 'bench/results/profiles') : undefined,
  }
  return { opts, only, out }
}

async function main(): Promise<void> {
  const started = performance.now()
  // Before anything else: the build this run measures is the tree as it is now.
  const commit = measuredCommit()
  const { opts, only, out } = parseOptions()
  // Other processes on the machine move every number: record how busy it was.
  const loads: number[] = [loadavg()[0] ?? 0]
  const sampler = setInterval(() => loads.push(loadavg()[0] ?? 0), 5000)
  sampler.unref()
  log(
    `seatlock bench (${opts.quick ? 'quick' : 'full'}): scenarios ${only.join(', ')}; ` +
      `servers ${opts.targets.join(', ')}; ${opts.duration} s per measurement`,
  )
  const infra = await startInfra()
  const admin = await SeatlockAdmin.open(infra)
  const redisVersion = /redis_version:(\S+)/.exec(await infra.redis.info('server'))?.[1] ?? '?'
  const pgVersion =
    (await infra.pool.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? '?'
  const machine = machineInfo(redisVersion, pgVersion, commit)
  log(`machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}`)
  const ctx: Ctx = { infra, admin, opts }
  const results: ScenarioResult[] = []
  let failed = false
  try {
    for (const name of only) {
      const scenario = SCENARIOS[name] as (ctx: Ctx) => Promise<ScenarioResult>
      log(`scenario ${name}`)
      const t0 = performance.now()
      try {
        const result = await scenario(ctx)
        results.push(result)
        writeScenario(out, result, { machine, mode: opts.quick ? 'quick' : 'full', options: opts })
        log(`scenario ${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
      } catch (error) {
        failed = true
        log(`scenario ${name} FAILED: ${(error as Error).stack ?? String(error)}`)
      }
    }
  } finally {
    await admin.close().catch(() => undefined)
    await infra.close()
  }
  clearInterval(sampler)
  const elapsed = (performance.now() - started) / 1000
  const load = {
    mean: Math.round((loads.reduce((a, b) => a + b, 0) / loads.length) * 100) / 100,
    max: Math.max(...loads),
  }
  const md = writeSummary(
    out,
    machine,
    opts.quick ? 'quick' : 'full',
    elapsed,
    results,
    BASELINE_DESCRIPTIONS,
    load,
  )
  process.stdout.write(`\n${md}\n`)
  log(`results in ${out} (${elapsed.toFixed(0)} s)`)
  if (failed) process.exitCode = 1
}

await main()
