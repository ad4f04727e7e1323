/**
 * Reads the Prometheus text format of GET /metrics: enough for the operator panel (counters and gauges,
 * labels with escapes), not a full implementation (no timestamps or exemplars are used here).
 */

/** @typedef {{ name: string, labels: Record<string, string>, value: number }} Sample */

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

/** @param {string} text @returns {Sample[]} */
export function parseMetrics(text) {
  const samples = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const match = LINE.exec(line)
    if (!match) continue
    /** @type {Record<string, string>} */
    const labels = {}
    for (const [, key, raw] of (match[2] ?? '').matchAll(LABEL)) {
      labels[key] = raw.replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c))
    }
    const value = Number(match[3])
    if (!Number.isNaN(value)) samples.push({ name: match[1], labels, value })
  }
  return samples
}

/** The sum of a metric's samples whose labels include `where`. */
export function total(samples, name, where = {}) {
  let sum = 0
  for (const s of samples) if (s.name === name && matches(s.labels, where)) sum += s.value
  return sum
}

/** A metric's samples summed by one label's value. */
export function byLabel(samples, name, label, where = {}) {
  const sums = new Map()
  for (const s of samples) {
    if (s.name !== name || !matches(s.labels, where)) continue
    const key = s.labels[label] ?? ''
    sums.set(key, (sums.get(key) ?? 0) + s.value)
  }
  return sums
}

function matches(labels, where) {
  return Object.entries(where).every(([k, v]) => labels[k] === v)
}

/**
 * Per-second rates between two scrapes of counters. A counter that went down (the process restarted)
 * counts from zero, as Prometheus' rate() does.
 */
export function ratePerSecond(before, after, seconds) {
  if (before === undefined || seconds <= 0) return 0
  const delta = after >= before ? after - before : after
  return delta / seconds
}
