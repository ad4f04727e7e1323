/**
 * What the hot-section scenario reads around each measured slice of load: the CPU of the four processes that
 * share the machine (server, Redis, PostgreSQL, the load generator in this process), the server's write
 * calls and event-loop time, Redis's command counts, and seatlock's own confirm metrics. A run's totals are
 * the sum of its slices' differences.
 */
import { readFileSync } from 'node:fs'
import type { Infra, CommandStat } from '../lib/infra.js'
import type { LoadSummary } from '../lib/load.js'
import { busyShare } from '../lib/loop-busy.js'
import type { LoopReading } from '../lib/loop-busy.js'
import { cpuSecondsOfCommand } from '../lib/proc.js'
import { round } from '../lib/stats.js'
import type { Running } from '../lib/targets.js'
import { parsePrometheus } from '../../test/helpers/metrics.js'

/** Write system calls a process made so far (/proc/<pid>/io), 0 where that cannot be read. */
function writeCalls(pid: number): number {
  try {
    return Number(/syscw:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? 0)
  } catch {
    return 0
  }
}

/** What seatlock's /metrics says so far about its confirms: the group commit's transactions and steps. */
export interface ConfirmMetrics {
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

export async function confirmMetrics(url: string): Promise<ConfirmMetrics | undefined> {
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
export function stageMeans(before: ConfirmMetrics, after: ConfirmMetrics): Record<string, number> {
  return Object.fromEntries(
    STAGES.map((stage) => {
      const a = after.stages[stage] ?? { count: 0, seconds: 0 }
      const b = before.stages[stage] ?? { count: 0, seconds: 0 }
      return [stage, round(((a.seconds - b.seconds) * 1000) / Math.max(1, a.count - b.count), 2)]
    }),
  )
}

export function fivexx(load: LoadSummary): number {
  return Object.entries(load.statuses).reduce((n, [code, count]) => n + (code.startsWith('5') ? count : 0), 0)
}

/** The processes' counters at one moment (the load generator's is read apart: it stops with the load). */
export interface Reading {
  server: number
  redis: number
  postgres: number
  writes: number
  loop: LoopReading
  commands: Map<string, CommandStat>
}

export async function readNow(running: Running, infra: Infra): Promise<Reading> {
  const server = running.child.cpuSeconds()
  const writes = writeCalls(running.child.pid)
  const redis = await infra.redisCpuSeconds()
  const commands = await infra.redisCommandStats()
  const postgres = cpuSecondsOfCommand('postgres')
  // Last: the readings above leave the server idle, which is not the run's.
  const loop = await running.loop()
  return { server, redis, postgres, writes, loop, commands }
}

/** A run's totals over its slices so far. */
export class RunTotals {
  seconds = 0
  slices = 0
  serverCpu = 0
  redisCpu = 0
  postgresCpu = 0
  clientCpu = 0
  writes = 0
  /** The server's event-loop time over the slices (their differences added up). */
  readonly loop: LoopReading = { active: 0, idle: 0 }
  statuses: Record<string, number> = {}
  serverErrors = 0
  errors = 0
  timeouts = 0
  readonly commands = new Map<string, CommandStat>()

  /** Adds one slice: its seconds of load, its load summary, and the readings around it. */
  add(seconds: number, load: LoadSummary, clientCpu: number, before: Reading, after: Reading): void {
    this.seconds += seconds
    this.slices++
    this.serverCpu += after.server - before.server
    this.redisCpu += after.redis - before.redis
    this.postgresCpu += after.postgres - before.postgres
    this.clientCpu += clientCpu
    this.writes += after.writes - before.writes
    this.loop.active += after.loop.active - before.loop.active
    this.loop.idle += after.loop.idle - before.loop.idle
    for (const [code, count] of Object.entries(load.statuses)) {
      this.statuses[code] = (this.statuses[code] ?? 0) + count
    }
    this.serverErrors += fivexx(load)
    this.errors += load.errors
    this.timeouts += load.timeouts
    for (const [name, stat] of after.commands) {
      const was = before.commands.get(name) ?? { calls: 0, usec: 0 }
      const sum = this.commands.get(name) ?? { calls: 0, usec: 0 }
      this.commands.set(name, {
        calls: sum.calls + stat.calls - was.calls,
        usec: sum.usec + stat.usec - was.usec,
      })
    }
  }

  /** The share (0–1) of the slices the server's event loop was busy. */
  loopBusy(): number {
    return busyShare({ active: 0, idle: 0 }, this.loop)
  }

  /** The busiest Redis commands per confirm, busiest first. */
  commandsPerConfirm(confirms: number): Record<string, { calls: number; usec: number }> {
    const per = Math.max(1, confirms)
    const rows = [...this.commands].map(([name, stat]) => ({
      name,
      calls: stat.calls / per,
      usec: stat.usec / per,
    }))
    rows.sort((a, b) => b.usec - a.usec)
    return Object.fromEntries(
      rows.slice(0, 8).map((r) => [r.name, { calls: round(r.calls, 2), usec: round(r.usec, 1) }]),
    )
  }
}
