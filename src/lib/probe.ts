/** How long a dependency probe (readiness, metrics) waits for an answer. */
export const PROBE_TIMEOUT_MS = 1000

export interface ProbeResult {
  up: boolean
  /** Round trip in seconds, measured whether the probe answered or not (capped by the timeout). */
  seconds: number
}

/** Runs `check` (a PING or equivalent) and reports whether it answered within `timeoutMs`. Never throws. */
export async function probe(
  check: () => Promise<unknown>,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<ProbeResult> {
  const start = process.hrtime.bigint()
  let timer: NodeJS.Timeout | undefined
  let up: boolean
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), timeoutMs)
      }),
    ])
    up = true
  } catch {
    up = false
  } finally {
    clearTimeout(timer)
  }
  return { up, seconds: Number(process.hrtime.bigint() - start) / 1e9 }
}
