/**
 * Operator mode: with the admin token typed into the page (kept in this closure only), polls /metrics
 * every second for holds and confirms per second, refusals by code, active holds and expiry lag; follows
 * the event stream for the holds that expire soon; and charts each section's held and sold seats.
 *
 * Counters in /metrics are this instance's (behind a load balancer, each instance counts what it served);
 * the gauges read from Redis (active holds, expiry lag) are the same on every instance. Where the event is
 * listed in METRICS_EVENTS its own series are used instead of the process-wide ones.
 */
import { call } from './api.js'
import { drawChart } from './chart.js'
import { apiError, count } from './format.js'
import { byLabel, parseMetrics, ratePerSecond, total } from './prometheus.js'

const POLL_MS = 1000
const HISTORY = 120
const EXPIRING_WITHIN_MS = 60_000

const $ = (id) => /** @type {any} */ (document.getElementById(id))

/** @param {{ eventPath: string, eventId: string, sections: any[] }} page */
export function createOperator(page) {
  let token
  let timer
  let previous
  /** Holds seen on the stream since the page opened: id → expiry (server time, ms). */
  const holds = new Map()
  /** Server time minus this page's clock, from the stream's `at`. */
  let serverOffset = 0
  /** @type {{ held: number[], sold: number[] }[]} one per section, made as sections appear (after the load) */
  const series = []

  $('operator-login').addEventListener('submit', (event) => {
    event.preventDefault()
    void signIn($('admin-token').value)
  })

  async function signIn(candidate) {
    $('operator-error').textContent = ''
    // Any admin route proves the token; the smallest is one event of the list.
    const res = await call('GET', 'v1/events?limit=1', { admin: candidate })
    if (!res.ok) {
      $('operator-error').textContent = apiError(res.body, res.status)
      return
    }
    token = candidate
    $('admin-token').value = ''
    $('operator-login').hidden = true
    $('operator-view').hidden = false
    clearInterval(timer)
    void poll()
    timer = setInterval(() => void poll(), POLL_MS)
  }

  async function poll() {
    sample()
    const res = await call('GET', 'metrics', { admin: token })
    if (!res.ok || typeof res.body !== 'string') {
      $('operator-error').textContent = `Metrics unavailable: ${apiError(res.body, res.status)}`
      return
    }
    $('operator-error').textContent = ''
    const now = performance.now()
    const samples = parseMetrics(res.body)
    const own = { event: page.eventId }
    const perEvent = samples.some(
      (s) => s.name === 'seatlock_event_holds_created_total' && s.labels.event === page.eventId,
    )
    const current = {
      at: now,
      created: perEvent
        ? total(samples, 'seatlock_event_holds_created_total', own)
        : total(samples, 'seatlock_holds_created_total'),
      confirmed: perEvent
        ? total(samples, 'seatlock_event_holds_confirmed_total', own)
        : total(samples, 'seatlock_holds_confirmed_total'),
      expired: total(samples, 'seatlock_holds_expired_total'),
      refusals: perEvent
        ? byLabel(samples, 'seatlock_event_refusals_total', 'code', own)
        : byLabel(samples, 'seatlock_refusals_total', 'code'),
    }
    const seconds = previous ? (now - previous.at) / 1000 : 0
    const rate = (key) => ratePerSecond(previous?.[key], current[key], seconds).toFixed(1)
    $('op-holds-rate').textContent = previous ? rate('created') : '…'
    $('op-confirms-rate').textContent = previous ? rate('confirmed') : '…'
    $('op-expired-rate').textContent = previous ? rate('expired') : '…'
    $('op-active').textContent = count(total(samples, 'seatlock_active_holds'))
    const lag = total(samples, 'seatlock_sweeper_lag_seconds')
    $('op-lag').textContent = `${(lag * 1000).toFixed(0)} ms`
    const rows = [...current.refusals]
      .sort((a, b) => b[1] - a[1])
      .map(([code, n]) => {
        const tr = document.createElement('tr')
        const perSecond = ratePerSecond(
          previous?.refusals.get(code) ?? (previous ? 0 : undefined),
          n,
          seconds,
        )
        for (const text of [code, count(n), previous ? perSecond.toFixed(1) : '…']) {
          const td = document.createElement('td')
          td.textContent = text
          tr.append(td)
        }
        return tr
      })
    $('op-refusals').replaceChildren(...rows)
    previous = current
    showExpiring()
  }

  function showExpiring() {
    const serverNow = Date.now() + serverOffset
    for (const [id, expiresAt] of holds) if (expiresAt < serverNow - 5000) holds.delete(id)
    const soon = [...holds]
      .filter(([, at]) => at - serverNow <= EXPIRING_WITHIN_MS)
      .sort((a, b) => a[1] - b[1])
    $('op-expiring').textContent = count(soon.length)
    const items = soon.slice(0, 8).map(([id, at]) => {
      const li = document.createElement('li')
      const left = Math.max(0, (at - serverNow) / 1000)
      li.textContent = `${id.slice(0, 8)}… in ${left.toFixed(1)} s`
      return li
    })
    $('op-expiring-list').replaceChildren(...items)
  }

  /** One point per section per poll, from the stream's counts. */
  function sample() {
    page.sections.forEach((section, s) => {
      series[s] ??= { held: [], sold: [] }
      series[s].held.push(section.held)
      series[s].sold.push(section.sold)
      if (series[s].held.length > HISTORY) {
        series[s].held.shift()
        series[s].sold.shift()
      }
    })
    if ($('operator-view').hidden) return
    const shown = drawChart($('op-chart'), page.sections, series, HISTORY)
    const held = page.sections.reduce((n, s) => n + s.held, 0)
    const sold = page.sections.reduce((n, s) => n + s.sold, 0)
    $('chart-summary').textContent =
      `Now ${count(held)} held and ${count(sold)} sold in all` +
      (shown < page.sections.length
        ? `; the first ${shown} of ${page.sections.length} sections are charted.`
        : '.')
  }

  return {
    onChange(change) {
      serverOffset = Date.parse(change.at) - Date.now()
      if (!change.holdId) return
      if ((change.type === 'hold.created' || change.type === 'hold.extended') && change.expiresAt) {
        holds.set(change.holdId, Date.parse(change.expiresAt))
      } else if (change.type !== 'reservation.cancelled') {
        holds.delete(change.holdId)
      }
    },
  }
}
