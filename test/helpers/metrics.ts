/**
 * A strict reader of the Prometheus text exposition format (0.0.4) for tests: every line must be a
 * comment (# HELP / # TYPE) or a sample `name{label="value",…} number`; anything else throws.
 */
export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

export interface Scrape {
  samples: Sample[]
  /** # TYPE of each metric family. */
  types: Map<string, string>
  /** The first sample named `name` whose labels include `labels`, or undefined. */
  get(name: string, labels?: Record<string, string>): number | undefined
  /** Like get(), 0 when absent (a counter never incremented has no labelled series yet). */
  count(name: string, labels?: Record<string, string>): number
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*'
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`)
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/y

function parseValue(raw: string): number {
  if (raw === '+Inf') return Number.POSITIVE_INFINITY
  if (raw === '-Inf') return Number.NEGATIVE_INFINITY
  // Prometheus reads floats with Go's ParseFloat, case-insensitive for NaN (prom-client writes "Nan").
  if (raw.toLowerCase() === 'nan') return Number.NaN
  const value = Number(raw)
  if (raw === '' || Number.isNaN(value)) throw new Error(`not a number: ${raw}`)
  return value
}

function parseLabels(raw: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {}
  LABEL.lastIndex = 0
  while (LABEL.lastIndex < raw.length) {
    const start = LABEL.lastIndex
    const match = LABEL.exec(raw)
    if (!match || match.index !== start) throw new Error(`bad labels in line: ${line}`)
    labels[match[1] as string] = (match[2] as string).replace(/\\(.)/g, (_, c: string) =>
      c === 'n' ? '\n' : c,
    )
  }
  return labels
}

export function parsePrometheus(text: string): Scrape {
  const samples: Sample[] = []
  const types = new Map<string, string>()
  for (const line of text.split('\n')) {
    if (line === '') continue
    if (line.startsWith('#')) {
      const type = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(line)
      if (type) types.set(type[1] as string, type[2] as string)
      else if (!new RegExp(`^# HELP ${NAME} `).test(line) && !line.startsWith('# '))
        throw new Error(`bad comment line: ${line}`)
      continue
    }
    const match = SAMPLE.exec(line)
    if (!match) throw new Error(`bad sample line: ${line}`)
    samples.push({
      name: match[1] as string,
      labels: match[2] ? parseLabels(match[2], line) : {},
      value: (() => {
        try {
          return parseValue(match[3] as string)
        } catch {
          throw new Error(`bad value in line: ${line}`)
        }
      })(),
    })
  }
  const get = (name: string, labels: Record<string, string> = {}) =>
    samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value
  return { samples, types, get, count: (name, labels) => get(name, labels) ?? 0 }
}
