/**
 * Interleaving two servers' measured runs in short slices. The host's speed drifts by several percent within
 * a minute on this shared machine; a server measured for 10 s and the other 30 s later can differ by that
 * drift alone. Slices of a few seconds in the order A B B A A B B A … put both servers in every stretch of
 * the host's speed, and cancel a steady drift over each group of four.
 */
import { setTimeout as sleep } from 'node:timers/promises'

/**
 * The order in which `sides` servers run their `slicesEach` slices: each group of slices runs every side
 * once, forwards in even groups and backwards in odd ones (two sides: 0 1 1 0 0 1 1 0 …).
 */
export function sliceOrder(sides: number, slicesEach: number): number[] {
  const order: number[] = []
  for (let group = 0; group < slicesEach; group++) {
    for (let i = 0; i < sides; i++) order.push(group % 2 === 0 ? i : sides - 1 - i)
  }
  return order
}

export interface QuietOptions {
  /** The whole wait at most (default 2 s). */
  timeoutMs?: number
  /** How often, and so over how long a window, the process's CPU is read (default 50 ms). */
  windowMs?: number
  /** CPU seconds a quiet process may use in one window (default two clock ticks of /proc: its timers). */
  quietCpuS?: number
}

/**
 * Waits until a process that was under load has finished the requests it still held (the load generator cut
 * them off; the server still runs them): until it used at most `quietCpuS` of CPU over one window, bounded by
 * `timeoutMs`. So the work of one slice is not counted in the next, which is another server's.
 * Resolves true when the process went quiet, false at the deadline.
 */
export async function waitQuiet(cpuSeconds: () => number, options: QuietOptions = {}): Promise<boolean> {
  const { timeoutMs = 2_000, windowMs = 50, quietCpuS = 0.02 } = options
  const deadline = Date.now() + timeoutMs
  let last = cpuSeconds()
  while (Date.now() < deadline) {
    await sleep(windowMs)
    const now = cpuSeconds()
    if (now - last <= quietCpuS) return true
    last = now
  }
  return false
}
