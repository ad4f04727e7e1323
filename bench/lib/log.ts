import { performance } from 'node:perf_hooks'

const start = performance.now()

/** A progress line, stamped with seconds since the run started. */
export function log(message: string): void {
  const seconds = ((performance.now() - start) / 1000).toFixed(1).padStart(6)
  process.stdout.write(`[${seconds}s] ${message}\n`)
}
