/** Results: one JSON file per scenario and a markdown summary table, under bench/results/. */
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem, release, platform } from 'node:os'
import { join } from 'node:path'
import { ROOT_DIR } from '../../src/paths.js'
import type { TargetName } from './target-names.js'
import { TARGETS } from './target-names.js'

export interface Machine {
  cpuModel: string
  cores: number
  memoryGiB: number
  node: string
  os: string
  redis: string
  postgres: string
  /** The commit measured (as built when the run started), with "+dirty" when the tree had changes. */
  commit: string
  /**
   * Set when seatlock's server was another build (SEATLOCK_SERVER): its path. `commit` is then the bench's
   * own code and the baselines', not the server's.
   */
  seatlockServer?: string
}

/** HEAD and whether the working tree differed from it, read once when a run starts. */
export function measuredCommit(): string {
  const git = (args: string[]): string => {
    try {
      return execFileSync('git', args, {
        cwd: ROOT_DIR,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim()
    } catch {
      return ''
    }
  }
  const head = git(['rev-parse', '--short', 'HEAD']) || 'unknown'
  return git(['status', '--porcelain', '--untracked-files=no']) === '' ? head : `${head}+dirty`
}

export function machineInfo(
  redisVersion: string,
  postgresVersion: string,
  commit: string,
  seatlockServer = process.env.SEATLOCK_SERVER,
): Machine {
  return {
    commit,
    ...(seatlockServer ? { seatlockServer } : {}),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${platform()} ${release()}`,
    redis: redisVersion,
    postgres: postgresVersion,
  }
}

export interface SummaryRow {
  scenario: string
  metric: string
  values: Partial<Record<TargetName, string>>
  ratio: string
  target: string
  /** null: informational, no target. */
  met: boolean | null
}

export interface ScenarioResult {
  name: string
  title: string
  data: unknown
  rows: SummaryRow[]
  notes: string[]
}

export function writeScenario(dir: string, result: ScenarioResult, meta: object): void {
  mkdirSync(dir, { recursive: true })
  const body = {
    scenario: result.name,
    title: result.title,
    ...meta,
    notes: result.notes,
    results: result.data,
  }
  writeFileSync(join(dir, `${result.name}.json`), JSON.stringify(body, null, 2) + '\n')
}

const LABELS: Record<TargetName, string> = {
  seatlock: 'seatlock',
  reference: 'reference',
  pg: 'pg',
  redlock: 'redlock',
  naive: 'naive',
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|')
}

export function summaryTable(rows: SummaryRow[]): string {
  const header = ['scenario', 'metric', ...TARGETS.map((t) => LABELS[t]), 'ratio', 'target', 'met?']
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`]
  for (const row of rows) {
    const met = row.met === null ? '–' : row.met ? 'yes' : '**no**'
    lines.push(
      `| ${[row.scenario, row.metric, ...TARGETS.map((t) => row.values[t] ?? '–'), row.ratio, row.target, met]
        .map(cell)
        .join(' | ')} |`,
    )
  }
  return lines.join('\n')
}

export function writeSummary(
  dir: string,
  machine: Machine,
  mode: string,
  elapsedS: number,
  results: ScenarioResult[],
  baselines: Record<TargetName, string>,
  load: { mean: number; max: number },
): string {
  const rows = results.flatMap((r) => r.rows)
  const md = [
    `# seatlock benchmark summary (${mode})`,
    '',
    machine.seatlockServer
      ? `Commit measured: ${machine.commit} (the bench and the baselines); seatlock's server: ${machine.seatlockServer} (SEATLOCK_SERVER).`
      : `Commit measured: ${machine.commit}.`,
    `Machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB; Node ${machine.node}; ` +
      `Redis ${machine.redis}; PostgreSQL ${machine.postgres}; ${machine.os}.`,
    `Run: ${new Date().toISOString()}, ${Math.round(elapsedS)} s, every server in its own process, one at a time, ` +
      'autocannon in the parent process. Ratios are from this one run on this machine.',
    `Machine load (1-minute load average, sampled every 5 s) during the run: mean ${load.mean}, max ${load.max} ` +
      `on ${machine.cores} cores; the bench itself keeps about 2.5 busy (load generator, server, Redis), ` +
      'anything above that is other work on the machine. CPU per hold is the steadier comparison when it is busy.',
    '',
    summaryTable(rows),
    '',
    '## Servers',
    '',
    ...Object.entries(baselines).map(([name, text]) => `- **${name}**: ${text}`),
    '',
    '## Notes',
    '',
    ...results.flatMap((r) => r.notes.map((n) => `- ${r.title}: ${n}`)),
    '',
  ].join('\n')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'summary.md'), md)
  return md
}

export function fmt(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
}
