/**
 * 7. Best available beside explicit seats, in the same run. Throughput: holds/s of 2 seats together
 * (picked by the script) against holds/s of 2 named fresh seats, each in its own 20,000-seat section given
 * as rows of 50, same connections and duration, over HTTP. Cost against section size: Redis CPU per
 * createHold call (INFO commandstats, FCALL µs per call) over the same number of picks from an empty
 * section of 1,000, 20,000 and 100,000 seats, with no server running (the calls are the bench's own).
 */
import type { CreateHoldBody } from '../../src/schemas/holds.js'
import { KindTimer, runLoad, timedStep } from '../lib/load.js'
import { log } from '../lib/log.js'
import { nextHolder } from '../lib/requests.js'
import { fmt } from '../lib/results.js'
import type { ScenarioResult, SummaryRow } from '../lib/results.js'
import { ratio } from '../lib/stats.js'
import { newEventId, startTarget } from '../lib/targets.js'
import type { Ctx } from './context.js'

const ROW = 50
const THROUGHPUT_SEATS = 20_000
const COST_SIZES = [1_000, 20_000, 100_000]
/** Picks per size for the cost: 40% of the smallest section, so none fills up. */
const COST_PICKS = 200
const MIN_RATIO = 0.5
const MAX_COST_GROWTH = 1.2

const rowsOf = (seats: number) =>
  Array.from({ length: Math.ceil(seats / ROW) }, (_, r) => ({ row: `R${r + 1}`, seats: `1-${ROW}` }))

async function createVenue(ctx: Ctx, eventId: string, seats: number): Promise<void> {
  await ctx.admin.services.events.create({
    id: eventId,
    name: `bench ${eventId}`,
    sections: [
      { id: 'named', name: 'named', price: 1000, rows: rowsOf(seats) },
      { id: 'best', name: 'best', price: 1000, rows: rowsOf(seats) },
    ],
  })
}

interface Cost {
  /** FCALL µs per call (wall time inside Redis: moves with the machine's load). */
  usec: number
  /** Redis commands run per createHold, the script's own included (commandstats counts what scripts run). */
  commands: number
}

async function fcallCost(ctx: Ctx): Promise<Cost> {
  const info = await ctx.infra.redis.info('commandstats')
  const m = /cmdstat_fcall:calls=(\d+),usec=\d+,usec_per_call=([\d.]+)/.exec(info)
  const calls = Number(m?.[1] ?? 0)
  let commands = 0
  for (const c of info.matchAll(/cmdstat_(\w+):calls=(\d+)/g)) if (c[1] !== 'info') commands += Number(c[2])
  return { usec: Number(m?.[2] ?? 0), commands: calls > 0 ? Math.round((commands / calls) * 10) / 10 : 0 }
}

/** Redis cost per createHold of `items()`, over COST_PICKS holds taken in-process, 10 at a time. */
async function costOf(
  ctx: Ctx,
  eventId: string,
  items: (i: number) => CreateHoldBody['items'],
): Promise<Cost> {
  const { holds } = ctx.admin.services
  await holds.create(eventId, { holder: nextHolder(), items: items(COST_PICKS) }, undefined)
  await ctx.infra.redis.config('RESETSTAT')
  for (let i = 0; i < COST_PICKS; i += 10) {
    await Promise.all(
      Array.from({ length: 10 }, (_, j) =>
        holds.create(eventId, { holder: nextHolder(), items: items(i + j) }, undefined),
      ),
    )
  }
  return fcallCost(ctx)
}

export async function bestAvailable(ctx: Ctx): Promise<ScenarioResult> {
  const { infra, opts } = ctx
  await infra.flushRedis()

  // Cost against size, in-process (no server, so every FCALL is one of these creates).
  const cost: { seats: number; best: Cost; named: Cost }[] = []
  for (const seats of COST_SIZES) {
    const eventId = newEventId(`ba${seats}`)
    await createVenue(ctx, eventId, seats)
    const best = await costOf(ctx, eventId, () => [{ section: 'best', quantity: 2, together: true }])
    // Named pairs spread over the rows, as buyers choosing seats would.
    const named = await costOf(ctx, eventId, (i) => {
      const row = (i * 7) % (seats / ROW)
      const seat = 1 + ((i * 2) % (ROW - 1))
      return [{ section: 'named', seats: [`R${row + 1}-${seat}`, `R${row + 1}-${seat + 1}`] }]
    })
    cost.push({ seats, best, named })
    log(
      `  best available, ${fmt(seats)} seats: createHold ${best.usec} µs, ${best.commands} commands (pick); ` +
        `${named.usec} µs, ${named.commands} commands (named seats)`,
    )
  }

  // Throughput over HTTP on a 20,000-seat section of each kind.
  const eventId = newEventId('ba-http')
  await createVenue(ctx, eventId, THROUGHPUT_SEATS)
  const running = await startTarget('seatlock', infra, { cpuProfDir: opts.cpuProfDir })
  const rates: Record<'named' | 'best', number> = { named: 0, best: 0 }
  const latency: Record<string, string> = {}
  // Fewer holds than pairs (after the warm-up's 500), so neither section runs out during the measurement.
  const amount = Math.floor((THROUGHPUT_SEATS / 2) * 0.8) - 500
  try {
    let next = 0
    const named = () => {
      const n = next++
      const row = Math.floor((2 * n) / ROW) + 1
      const seat = ((2 * n) % ROW) + 1
      return [{ section: 'named', seats: [`R${row}-${seat}`, `R${row}-${seat + 1}`] }]
    }
    const best = () => [{ section: 'best', quantity: 2, together: true }]
    // A short warm-up of both kinds first (the event's load, the JIT), not counted.
    for (const items of [named, best])
      await runLoad({
        label: 'best-available warm-up',
        url: running.url,
        connections: opts.connections,
        amount: 500,
        quiet: true,
        requests: [
          timedStep(new KindTimer(), (request) => ({
            ...request,
            method: 'POST',
            path: `/v1/events/${eventId}/holds`,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ holder: nextHolder(), items: items() }),
          })),
        ],
      })
    for (const [kind, items] of [
      ['named', named],
      ['best', best],
    ] as const) {
      const timer = new KindTimer()
      const load = await runLoad({
        label: `best-available: ${kind} holds`,
        url: running.url,
        connections: opts.connections,
        amount,
        requests: [
          timedStep(timer, (request) => ({
            ...request,
            method: 'POST',
            path: `/v1/events/${eventId}/holds`,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ holder: nextHolder(), items: items() }),
          })),
        ],
      })
      rates[kind] = Math.round((timer.count(201) / load.durationS) * 10) / 10
      const l = timer.summary(201)
      latency[kind] = `${l.p50} / ${l.p99}`
      log(
        `  ${kind}: ${fmt(rates[kind])} holds/s (${JSON.stringify(load.statuses)}), p50/p99 ${latency[kind]} ms`,
      )
    }
  } finally {
    await running.stop()
  }

  const holdsRatio = ratio(rates.best, rates.named)
  const first = cost[0]
  const last = cost[cost.length - 1]
  const growth = first && last ? ratio(last.best.usec, first.best.usec) : null
  const commandGrowth = first && last ? ratio(last.best.commands, first.best.commands) : null
  const scenario = `7. best available (${opts.connections} conn, 2 seats together vs 2 named)`
  const rows: SummaryRow[] = [
    {
      scenario,
      metric: `holds/s on a ${fmt(THROUGHPUT_SEATS)}-seat section: best available (named seats)`,
      values: { seatlock: `${fmt(rates.best)} (${fmt(rates.named)})` },
      ratio: holdsRatio === null ? 'n/a' : `${holdsRatio}×`,
      target: `≥ ${MIN_RATIO}× named seats`,
      met: holdsRatio === null ? null : holdsRatio >= MIN_RATIO,
    },
    {
      scenario,
      metric: 'hold latency p50 / p99 (ms): best available (named seats)',
      values: { seatlock: `${latency.best} (${latency.named})` },
      ratio: '',
      target: '',
      met: null,
    },
    {
      scenario,
      metric: `Redis µs per createHold, ${cost.map((c) => fmt(c.seats)).join(' / ')} seats: pick (named)`,
      values: {
        seatlock: cost.map((c) => `${c.best.usec} (${c.named.usec})`).join(' / '),
      },
      ratio:
        growth === null ? 'n/a' : `${growth}× from ${fmt(first?.seats ?? 0)} to ${fmt(last?.seats ?? 0)}`,
      target: `≤ ${MAX_COST_GROWTH}×`,
      met: growth === null ? null : growth <= MAX_COST_GROWTH,
    },
    {
      scenario,
      metric: `Redis commands per createHold, ${cost.map((c) => fmt(c.seats)).join(' / ')} seats: pick (named)`,
      values: {
        seatlock: cost.map((c) => `${c.best.commands} (${c.named.commands})`).join(' / '),
      },
      ratio:
        commandGrowth === null
          ? 'n/a'
          : `${commandGrowth}× from ${fmt(first?.seats ?? 0)} to ${fmt(last?.seats ?? 0)}`,
      target: `≤ ${MAX_COST_GROWTH}×`,
      met: commandGrowth === null ? null : commandGrowth <= MAX_COST_GROWTH,
    },
  ]
  return {
    name: 'best-available',
    title: '7. Best available beside explicit seats',
    data: { rates, latency, cost, amount },
    rows,
    notes: [
      `throughput: ${fmt(amount)} holds of each kind over HTTP, ${opts.connections} connections, in sections of ` +
        `${fmt(THROUGHPUT_SEATS)} seats given as rows of ${ROW}; named holds take the next fresh pair, best-available ` +
        'holds ask for 2 together (front rows first, centre first, the soft lone-seat rule).',
      `cost: ${COST_PICKS} creates per size from an empty section, taken in-process 10 at a time with no server ` +
        'running, so INFO commandstats FCALL µs per call is the createHold script alone (wall time in Redis, which ' +
        'the machine load moves); commands per createHold counts every command the scripts ran, which it does not.',
    ],
  }
}
