/**
 * Reads a bench server's event-loop time (written by loop-probe.js, which every server the bench starts
 * preloads) and turns two readings into the share of the time between them its event loop was busy.
 */
import { readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'

/** Names the file a server's probe (loop-probe.js, which reads it by this name) writes its readings to. */
export const LOOP_FILE_ENV = 'BENCH_LOOP_FILE'

/** Milliseconds the event loop has spent idle (waiting for I/O) and busy, since the process started. */
export interface LoopReading {
  idle: number
  active: number
}

/** How long a reading may take to appear: the signal is handled when the loop next gets to it. */
const READING_TIMEOUT_MS = 5_000

function readFile(file: string): (LoopReading & { seq: number }) | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LoopReading & { seq: number }
  } catch {
    return undefined
  }
}

/** Asks the process (SIGUSR2) for a reading and waits for it, bounded by `timeoutMs`. */
export async function readLoop(
  pid: number,
  file: string,
  timeoutMs = READING_TIMEOUT_MS,
): Promise<LoopReading> {
  const before = readFile(file)?.seq
  // No file yet: the probe is not loaded, and the signal would end the process instead of asking it.
  if (before === undefined) throw new Error(`process ${pid} has no event-loop probe (no ${file})`)
  process.kill(pid, 'SIGUSR2')
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const reading = readFile(file)
    if (reading && reading.seq > before) return { idle: reading.idle, active: reading.active }
    await sleep(5)
  }
  throw new Error(`process ${pid} wrote no event-loop reading to ${file} within ${timeoutMs} ms`)
}

/** The share (0–1) of the time between two readings that the event loop was busy. */
export function busyShare(before: LoopReading, after: LoopReading): number {
  const active = after.active - before.active
  const idle = after.idle - before.idle
  return active + idle > 0 ? active / (active + idle) : 0
}
