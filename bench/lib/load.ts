/**
 * A thin wrapper over autocannon's programmatic API: one run, progress printed once a second, and
 * latencies recorded by us per request kind and per status (autocannon's own histogram has 1 ms
 * resolution and mixes every request of a sequence).
 */
import { performance } from 'node:perf_hooks'
import autocannon from 'autocannon'
import type { Request } from 'autocannon'
import { log } from './log.js'
import { Recorder, round } from './stats.js'
import type { LatencySummary } from './stats.js'

export interface LoadOptions {
  label: string
  url: string
  connections: number
  /** Seconds; ignored when `amount` is given. */
  duration?: number
  /** Total requests (each counts, including every step of a sequence). */
  amount?: number
  requests: Request[]
  /** Requests per second over all connections (open loop); unset: as fast as the server answers. */
  overallRate?: number
  /** Seconds before a request counts as timed out (default 10). */
  timeout?: number
  quiet?: boolean
  /**
   * Ends the run early when aborted (a run whose seats ran out). autocannon looks at its stop flag once a
   * sample, so a run that can be stopped samples every 100 ms instead of every second.
   */
  stop?: AbortSignal
}

export interface LoadSummary {
  label: string
  connections: number
  durationS: number
  /** Completed requests of every kind and status. */
  requests: number
  /** The run was ended by `stop` before its duration or amount. */
  stoppedEarly: boolean
  reqPerSec: number
  statuses: Record<string, number>
  errors: number
  timeouts: number
  /** autocannon's latency percentiles over every response (ms, integer resolution). */
  autocannonLatency: { mean: number; p50: number; p90: number; p99: number; max: number }
}

/** Collects timings of one request kind, split by response status. */
export class KindTimer {
  readonly byStatus = new Map<number, Recorder>()
  all = new Recorder()

  record(status: number, ms: number): void {
    let recorder = this.byStatus.get(status)
    if (!recorder) {
      recorder = new Recorder()
      this.byStatus.set(status, recorder)
    }
    recorder.add(ms)
    this.all.add(ms)
  }

  count(status: number): number {
    return this.byStatus.get(status)?.count ?? 0
  }

  summary(status?: number): LatencySummary {
    return (status === undefined ? this.all : (this.byStatus.get(status) ?? new Recorder())).summary()
  }

  reset(): void {
    this.byStatus.clear()
    this.all = new Recorder()
  }
}

type Context = Record<string, unknown>

/**
 * A request step whose time from being built (just before it is written) to its response is recorded.
 * `build` returns the request, or null to skip the rest of the sequence (autocannon restarts it).
 */
export function timedStep(
  timer: KindTimer,
  build: (request: Request, context: Context) => Request | null,
  onResponse?: (status: number, body: string, context: Context, headers: Record<string, unknown>) => void,
): Request {
  const key = Symbol('t0')
  return {
    setupRequest: (request: Request, context: object) => {
      const ctx = context as Context & { [k: symbol]: number }
      const built = build(request, ctx)
      if (built) ctx[key] = performance.now()
      // autocannon's types say Request, but a falsy value restarts the sequence (documented).
      return built as Request
    },
    onResponse: (status: number, body: string, context: object, headers?: Request['headers']) => {
      const ctx = context as Context & { [k: symbol]: number }
      const t0 = ctx[key]
      if (t0 !== undefined) timer.record(status, performance.now() - t0)
      onResponse?.(status, body, ctx, (headers ?? {}) as Record<string, unknown>)
    },
  }
}

/**
 * The sample interval of a run that can be stopped early (how late, at most, its stop takes effect) or that
 * lasts a fraction of a second more than a whole number of them.
 */
const STOPPABLE_SAMPLE_MS = 100

export async function runLoad(options: LoadOptions): Promise<LoadSummary> {
  const started = performance.now()
  let stoppedEarly = false
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        ...(options.amount !== undefined ? { amount: options.amount } : { duration: options.duration ?? 5 }),
        timeout: options.timeout ?? 10,
        ...(options.overallRate !== undefined ? { overallRate: options.overallRate } : {}),
        requests: options.requests,
        headers: { 'content-type': 'application/json' },
        // autocannon checks its duration once a sample: a fractional duration (a slice of 2.5 s) needs the
        // short samples too, or it runs to the next whole second.
        ...(options.stop || !Number.isInteger(options.duration ?? 0)
          ? { sampleInt: STOPPABLE_SAMPLE_MS }
          : {}),
      },
      (error: unknown, res: autocannon.Result) => (error ? reject(error as Error) : resolve(res)),
    )
    const stop = (): void => {
      stoppedEarly = true
      instance.stop()
    }
    // A stop that fired while autocannon built each connection's first request (it builds them as it starts).
    if (options.stop?.aborted) stop()
    else options.stop?.addEventListener('abort', stop, { once: true })
    let done = 0
    if (!options.quiet) {
      let second = 0
      instance.on('response', () => done++)
      instance.on('tick', () => {
        second++
        log(`    ${options.label}: ${second}s, ${done} responses`)
      })
    }
  })
  const elapsed = (performance.now() - started) / 1000
  const statuses: Record<string, number> = {}
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) {
    const count = Number(stat.count ?? 0)
    if (count > 0) statuses[code] = count
  }
  const total = Object.values(statuses).reduce((a, b) => a + b, 0)
  const durationS = options.amount !== undefined ? elapsed : result.duration
  return {
    label: options.label,
    connections: options.connections,
    durationS: round(durationS),
    requests: total,
    stoppedEarly,
    reqPerSec: round(total / durationS, 1),
    statuses,
    errors: result.errors,
    timeouts: result.timeouts,
    autocannonLatency: {
      mean: result.latency.mean,
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
  }
}
