/**
 * 8. Seat map at stadium scale: a 100,000-seat event (40 sections × 50 rows × 50 seats) created through
 * the API in one request, some of it held and sold, then the status of every seat read
 * (`GET /v1/events/:id/seat-map`) one request at a time, as a live map's refresh would: latency and the
 * bytes on the wire per seat. The targets are absolute (≤ 200 ms, ≤ 2 bytes a seat), so the
 * machine's load average is recorded beside them.
 */
import { loadavg } from 'node:os'
import { log } from '../lib/log.js'
import { fmt } from '../lib/results.js'
import type { ScenarioResult, SummaryRow } from '../lib/results.js'
import { Recorder, round } from '../lib/stats.js'
import { ADMIN_TOKEN, newEventId, startTarget } from '../lib/targets.js'
import type { Ctx } from './context.js'

const SECTIONS = 40
const ROWS = 50
const PER_ROW = 50
const SEATS = SECTIONS * ROWS * PER_ROW
/** Holds of 4 seats spread over the sections, every other one confirmed: a map with every status. */
const HOLDS = 200
const MAX_MS = 200
const MAX_BYTES_PER_SEAT = 2

const rowName = (r: number) => `R${String(r + 1).padStart(2, '0')}`

function stadium(id: string) {
  return {
    id,
    name: 'Stadium',
    sections: Array.from({ length: SECTIONS }, (_, s) => ({
      id: `s${s + 1}`,
      name: `Section ${s + 1}`,
      price: 6000,
      rows: Array.from({ length: ROWS }, (_, r) => ({ row: rowName(r), seats: `1-${PER_ROW}` })),
    })),
  }
}

async function call(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: { id?: string; token?: string } }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  return { status: response.status, body: text ? (JSON.parse(text) as { id?: string; token?: string }) : {} }
}

export async function seatMap(ctx: Ctx): Promise<ScenarioResult> {
  const { infra, opts } = ctx
  await infra.flushRedis()
  const server = await startTarget('seatlock', infra, { cpuProfDir: opts.cpuProfDir })
  try {
    const eventId = newEventId('seatmap')
    const t0 = performance.now()
    const created = await call(server.url, 'POST', '/v1/events', stadium(eventId), {
      authorization: `Bearer ${ADMIN_TOKEN}`,
    })
    const createMs = round(performance.now() - t0, 0)
    if (created.status !== 201) throw new Error(`stadium refused: ${created.status}`)
    log(`seat-map: ${SEATS} seats created through the API in ${createMs} ms`)

    for (let i = 0; i < HOLDS; i++) {
      const section = `s${(i % SECTIONS) + 1}`
      const row = rowName(Math.floor(i / SECTIONS) % ROWS)
      const seats = [1, 2, 3, 4].map((n) => `${row}-${n + 4 * Math.floor(i / (SECTIONS * ROWS))}`)
      const held = await call(server.url, 'POST', `/v1/events/${eventId}/holds`, {
        holder: `fan-${i}`,
        ttlSeconds: 600,
        items: [{ section, seats }],
      })
      if (held.status !== 201)
        throw new Error(`hold ${i} refused: ${held.status} ${JSON.stringify(held.body)}`)
      if (i % 2 === 0) {
        const sold = await call(
          server.url,
          'POST',
          `/v1/events/${eventId}/holds/${held.body.id}/confirm`,
          {},
          {
            'hold-token': held.body.token ?? '',
          },
        )
        if (sold.status !== 201) throw new Error(`confirm ${i} refused: ${sold.status}`)
      }
    }

    const runs = opts.quick ? 10 : 40
    const latency = new Recorder()
    let wireBytes = 0
    let jsonBytes = 0
    const path = `${server.url}/v1/events/${eventId}/seat-map`
    // One warm-up read (the first builds nothing that later reads skip, but JIT-compiles the route).
    await (await fetch(path)).arrayBuffer()
    for (let i = 0; i < runs; i++) {
      const start = performance.now()
      // As a browser asks: compressed if the server will.
      const response = await fetch(path, { headers: { 'accept-encoding': 'gzip, br' } })
      const text = await response.text()
      latency.add(performance.now() - start)
      if (response.status !== 200) throw new Error(`seat map: ${response.status}`)
      jsonBytes = Buffer.byteLength(text)
      wireBytes = Number(response.headers.get('content-length') ?? jsonBytes)
    }
    const summary = latency.summary()
    const load = round(loadavg()[0] ?? 0, 1)
    const bytesPerSeat = round(wireBytes / SEATS, 2)
    log(
      `seat-map: p50 ${summary.p50} ms, p90 ${summary.p90} ms over ${runs} reads; ` +
        `${wireBytes} B on the wire (${bytesPerSeat} a seat), ${jsonBytes} B of JSON; load ${load}`,
    )
    const rows: SummaryRow[] = [
      {
        scenario: 'seat-map',
        metric: `seat map of ${fmt(SEATS)} seats, p50 ms`,
        values: { seatlock: fmt(summary.p50, 1) },
        ratio: '',
        target: `≤ ${MAX_MS} ms`,
        met: summary.p50 <= MAX_MS,
      },
      {
        scenario: 'seat-map',
        metric: 'seat map bytes a seat on the wire',
        values: { seatlock: fmt(bytesPerSeat, 2) },
        ratio: '',
        target: `≤ ${MAX_BYTES_PER_SEAT}`,
        met: bytesPerSeat <= MAX_BYTES_PER_SEAT,
      },
      {
        scenario: 'seat-map',
        metric: `${fmt(SEATS)}-seat stadium created through the API, ms`,
        values: { seatlock: fmt(createMs) },
        ratio: '',
        target: '≤ 5000 ms',
        met: createMs <= 5000,
      },
    ]
    return {
      name: 'seat-map',
      title: 'Seat map at stadium scale',
      data: {
        seats: SEATS,
        createMs,
        reads: runs,
        latency: summary,
        wireBytes,
        jsonBytes,
        bytesPerSeat,
        load,
      },
      rows,
      notes: [
        `${SEATS} seats (${SECTIONS} sections × ${ROWS} rows × ${PER_ROW}), ${HOLDS} holds of 4 seats, half confirmed.`,
        `Reads one at a time, compressed when the server offers it; load average ${load} at the end.`,
      ],
    }
  } finally {
    await server.stop()
  }
}
