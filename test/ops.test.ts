/**
 * The Grafana dashboard (ops/grafana/seatlock.json) and the Prometheus alert rules (ops/prometheus/) are
 * checked against a live app: every metric they query exists in its /metrics output, with the labels they
 * match on; the dashboard is valid JSON whose every query goes through the datasource variable; the rules
 * pass `promtool check rules` and their unit tests (`promtool test rules`).
 */
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { startApp, uniqueId } from './helpers/app.js'
import { eventually } from './helpers/eventually.js'
import { openLedger, postgresTarget } from './helpers/ledgers.js'
import { parsePrometheus } from './helpers/metrics.js'
import type { Scrape } from './helpers/metrics.js'

const run = promisify(execFile)
const root = join(import.meta.dirname, '..')
const DASHBOARD = join(root, 'ops/grafana/seatlock.json')
const RULES = join(root, 'ops/prometheus/alerts.yml')
const RULE_TESTS = join(root, 'ops/prometheus/alerts.test.yml')
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' }
/** Labels Prometheus adds to every scraped series (the target's), not in the app's output. */
const TARGET_LABELS = new Set(['instance', 'job', 'exported_job'])
/** Metric names are the only identifiers with these prefixes in the queries (labels never have them). */
const METRIC = /\b(?:seatlock|nodejs|process)_[A-Za-z0-9_:]*/g
const SELECTOR = /\b((?:seatlock|nodejs|process)_[A-Za-z0-9_:]*)\{([^}]*)\}/g

interface Target {
  refId: string
  expr: string
  datasource?: unknown
}
interface Panel {
  id: number
  type: string
  title: string
  datasource?: unknown
  targets?: Target[]
  gridPos: { h: number; w: number; x: number; y: number }
}
interface Variable {
  name: string
  type: string
  query: unknown
  datasource?: unknown
}
interface Dashboard {
  title: string
  uid: string
  schemaVersion: number
  panels: Panel[]
  templating: { list: Variable[] }
}

const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as Dashboard
const rules = await readFile(RULES, 'utf8')
const ruleTests = await readFile(RULE_TESTS, 'utf8')

/** Every PromQL expression of the dashboard: panel targets and variable queries. */
function dashboardQueries(): string[] {
  const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((target) => target.expr))
  for (const variable of dashboard.templating.list) {
    const query = variable.query as { query?: string } | string
    if (variable.type === 'query') queries.push(typeof query === 'string' ? query : (query.query ?? ''))
  }
  return queries
}

t.test('the dashboard is importable JSON and queries only through the datasource variable', async (t) => {
  t.ok(dashboard.title && dashboard.uid && dashboard.schemaVersion >= 30, 'title, uid, schema version')
  const variables = dashboard.templating.list
  const ds = variables.find((v) => v.name === 'datasource')
  t.match(ds, { type: 'datasource', query: 'prometheus' }, 'a datasource variable of type prometheus')
  t.same(
    variables.filter(
      (v) => v.type === 'query' && JSON.stringify(v.datasource) !== JSON.stringify(DATASOURCE),
    ),
    [],
    'every query variable uses the datasource variable',
  )
  const ids = new Set<number>()
  const queries = dashboard.panels.filter((p) => p.type !== 'row')
  t.ok(queries.length >= 15, `${queries.length} panels`)
  for (const panel of dashboard.panels) {
    t.notOk(ids.has(panel.id), `panel id ${panel.id} unique`)
    ids.add(panel.id)
    t.ok(panel.gridPos.x + panel.gridPos.w <= 24, `${panel.title} fits the grid`)
  }
  for (const panel of queries) {
    t.same(panel.datasource, DATASOURCE, `${panel.title}: panel datasource is the variable`)
    t.ok(panel.targets && panel.targets.length > 0, `${panel.title}: has queries`)
    for (const target of panel.targets ?? []) {
      t.same(
        target.datasource,
        DATASOURCE,
        `${panel.title} ${target.refId}: target datasource is the variable`,
      )
      t.match(
        target.expr,
        /\b(?:seatlock|nodejs|process)_/,
        `${panel.title} ${target.refId}: queries a seatlock metric`,
      )
    }
  }
  // No data source pinned by uid anywhere (an import elsewhere would point at nothing).
  const uids = [...JSON.stringify(dashboard).matchAll(/"uid":"([^"]*)"/g)].map((m) => m[1])
  t.same(
    uids.filter((uid) => uid !== '${datasource}' && uid !== dashboard.uid),
    [],
    'no hard-coded datasource uid',
  )
})

const target = await postgresTarget()
t.test(
  'every metric and label the dashboard and rules use exists in a live /metrics',
  { skip: target.skip },
  async (t) => {
    const ledger = await openLedger(t, target)
    const eventId = uniqueId('ev-ops')
    const api = await startApp(t, ledger, { metricsEvents: [eventId] })
    const created = await api.request('POST', '/v1/events', {
      admin: true,
      body: { id: eventId, name: eventId, sections: [{ id: 'g', name: 'g', price: 100, capacity: 1 }] },
    })
    t.equal(created.status, 201)
    const hold = await api.request('POST', `/v1/events/${eventId}/holds`, {
      body: { holder: 'ops', items: [{ section: 'g', quantity: 1 }] },
    })
    t.equal(hold.status, 201)
    const refused = await api.request('POST', `/v1/events/${eventId}/holds`, {
      body: { holder: 'late', items: [{ section: 'g', quantity: 1 }] },
    })
    t.equal(refused.status, 409, 'a refusal, so the refusal series exist')
    const confirmed = await api.request('POST', `/v1/events/${eventId}/holds/${hold.body.id}/confirm`, {
      token: hold.body.token,
    })
    t.equal(confirmed.status, 201)
    let scrape: Scrape | undefined
    const read = async () => {
      const res = await api.request('GET', '/metrics')
      scrape = parsePrometheus(res.body as string)
      return (scrape.get('seatlock_sweeper_last_run_timestamp_seconds') ?? 0) > 0
    }
    await eventually('a sweep ran', read, { deadlineMs: 5000 })
    const m = scrape as Scrape
    const names = new Set(m.samples.map((s) => s.name))

    const sources = {
      dashboard: dashboardQueries().join('\n'),
      'alerts.yml': rules,
      'alerts.test.yml': ruleTests,
    }
    for (const [source, text] of Object.entries(sources)) {
      const used = new Set(text.match(METRIC) ?? [])
      t.ok(used.size > 3, `${source} uses ${used.size} metrics`)
      for (const name of used) t.ok(names.has(name), `${source}: ${name} exists in /metrics`)
      for (const [, name, matchers] of text.matchAll(SELECTOR)) {
        const labels = new Set(m.samples.filter((s) => s.name === name).flatMap((s) => Object.keys(s.labels)))
        for (const [, label] of (matchers ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)/g)) {
          if (TARGET_LABELS.has(label as string)) continue
          t.ok(labels.has(label as string), `${source}: ${name} has label ${label}`)
        }
      }
    }
  },
)

/** promtool from Debian's prometheus package; CI installs it (.ci/run) and sets SEATLOCK_REQUIRE_PROMTOOL. */
async function promtool(): Promise<string | undefined> {
  try {
    await run('promtool', ['--version'])
    return 'promtool'
  } catch {
    return undefined
  }
}

const tool = await promtool()
const required = process.env.SEATLOCK_REQUIRE_PROMTOOL === '1'
t.test(
  'promtool: the rules are valid and their unit tests pass',
  { skip: tool || required ? false : 'promtool not installed (apt-get install prometheus)' },
  async (t) => {
    t.ok(tool, 'promtool is installed')
    if (!tool) return
    const check = await run(tool, ['check', 'rules', RULES])
    t.match(check.stdout, /SUCCESS: \d+ rules found/, 'promtool check rules')
    const tests = await run(tool, ['test', 'rules', RULE_TESTS])
    t.match(tests.stdout, /SUCCESS/, 'promtool test rules')
  },
)
