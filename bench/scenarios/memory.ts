/**
 * 5. Memory: Redis bytes per held seat (INFO used_memory before/after N holds of 2 seats, on a Redis of our
 * own, plus MEMORY USAGE of each key a seatlock hold writes), and the server's RSS while it takes them.
 */
import { EventKeys } from '../../src/redis/keys.js'
import { KindTimer, runLoad } from '../lib/load.js'
import { log } from '../lib/log.js'
import { PairAllocator, holdStep, prime, sectionsFor } from '../lib/requests.js'
import { fmt } from '../lib/results.js'
import type { ScenarioResult, SummaryRow } from '../lib/results.js'
import { RssSampler, mib } from '../lib/sampler.js'
import { round } from '../lib/stats.js'
import { createEvent, newEventId, startTarget } from '../lib/targets.js'
import type { TargetName } from '../lib/targets.js'
import type { Ctx } from './context.js'

const LIMIT_BYTES_PER_SEAT = 256

export interface MemoryResult {
  target: TargetName
  holds: number
  seats: number
  redisBytesBefore: number
  redisBytesAfter: number
  redisBytesPerSeat: number
  keysPerHold: number
  /** seatlock only: MEMORY USAGE of one hold's keys, by kind. */
  breakdown?: Record<string, number>
  /** pg only: table + index bytes per held seat. */
  pgBytesPerSeat?: number
  rssIdleMiB: number
  rssPeakMiB: number
  /** seatlock only: the same measurement with holds of 10 seats (the marginal cost of a seat). */
  tenSeatHolds?: { holds: number; redisBytesPerSeat: number }
}

async function settle(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

async function breakdown(ctx: Ctx, eventId: string, holds: number): Promise<Record<string, number>> {
  const { redis } = ctx.infra
  const keys = new EventKeys('seatlock', eventId)
  const base = keys.base
  const [, found] = await redis.scan('0', 'MATCH', `${base}:hold:*`, 'COUNT', 1000)
  const holdKey = found[0]
  if (!holdKey) return {}
  const fields = await redis.hgetall(holdKey)
  // Items longer than 60 bytes are stored in pieces: i, i2, i3... (ITEMS_PIECE in lua/includes/hold-record.lua).
  let itemsJson = fields.i ?? '[]'
  for (let n = 2; fields[`i${n}`] !== undefined; n++) itemsJson += fields[`i${n}`]
  const seatKeys = (JSON.parse(itemsJson) as { s: string; seats?: string[] }[]).flatMap((item) =>
    (item.seats ?? []).map((seat) => keys.seat(item.s, seat)),
  )
  // SAMPLES 0: every element of the event-wide hash and sorted set, not an estimate from five.
  const usage = async (key: string | undefined) =>
    key ? Number((await redis.memory('USAGE', key, 'SAMPLES', 0)) ?? 0) : 0
  const seatBytes = (await Promise.all(seatKeys.map((k) => usage(k)))).reduce((a, b) => a + b, 0)
  return {
    'seat keys (2)': seatBytes,
    'hold hash': await usage(holdKey),
    'holder units, per hold': round((await usage(`${base}:hunits`)) / holds),
    'expiry zset, per hold': round((await usage(`${base}:expiry`)) / holds),
  }
}

export async function memory(ctx: Ctx): Promise<ScenarioResult> {
  const { infra, admin, opts } = ctx
  const holds = opts.quick ? 2000 : 10_000
  const results: MemoryResult[] = []
  // redlock and naive store exactly the reference's keys (a hold hash and a key per seat): quick skips them.
  const targets = opts.quick ? opts.targets.filter((t) => t !== 'redlock' && t !== 'naive') : opts.targets
  for (const target of targets) {
    await infra.flushRedis()
    const eventId = newEventId('mem')
    const sections = sectionsFor(2 * holds + 2)
    await createEvent(target, infra, admin, eventId, sections)
    const running = await startTarget(target, infra, { cpuProfDir: opts.cpuProfDir })
    try {
      const size = sections[0]?.seats.length ?? 0
      await prime(running.url, eventId, 'sec1', `s${size}`)
      await settle(300)
      const before = await infra.usedMemory()
      const keysBefore = await infra.redis.dbsize()
      const pgBefore = target === 'pg' ? await pgBytes(ctx) : 0
      const rssIdle = running.child.rss()
      const rss = new RssSampler(() => running.child.rss())
      rss.start()
      const pairs = new PairAllocator(['sec1'], 0, size - 2)
      const load = await runLoad({
        label: `${target} ${holds} holds`,
        url: running.url,
        connections: opts.connections,
        // The PostgreSQL baseline takes ~300 holds/s: fewer holds in quick mode keep it under 2 minutes.
        amount: target === 'pg' && opts.quick ? holds / 2 : holds,
        requests: [holdStep(eventId, () => pairs.take(), new KindTimer())],
        quiet: true,
      })
      const peak = rss.stop()
      const granted = load.statuses['201'] ?? 0
      await settle(300)
      const after = await infra.usedMemory()
      const keysAfter = await infra.redis.dbsize()
      const result: MemoryResult = {
        target,
        holds: granted,
        seats: 2 * granted,
        redisBytesBefore: before,
        redisBytesAfter: after,
        redisBytesPerSeat: Math.max(0, round((after - before) / (2 * granted), 1)),
        keysPerHold: round((keysAfter - keysBefore) / granted, 2),
        rssIdleMiB: mib(rssIdle),
        rssPeakMiB: mib(peak),
      }
      if (target === 'seatlock') {
        result.breakdown = await breakdown(ctx, eventId, granted)
        result.tenSeatHolds = await tenSeatHolds(ctx, running.url, holds / 5)
      }
      if (target === 'pg') result.pgBytesPerSeat = round(((await pgBytes(ctx)) - pgBefore) / (2 * granted), 1)
      results.push(result)
      log(
        `  ${target}: ${fmt(result.redisBytesPerSeat)} Redis bytes per held seat (${result.keysPerHold} keys per hold)` +
          (result.breakdown ? `; one hold: ${JSON.stringify(result.breakdown)}` : '') +
          (result.tenSeatHolds
            ? `; 10-seat holds: ${result.tenSeatHolds.redisBytesPerSeat} bytes per seat`
            : '') +
          (result.pgBytesPerSeat !== undefined
            ? `; PostgreSQL ${result.pgBytesPerSeat} bytes per seat`
            : '') +
          `; RSS ${result.rssIdleMiB} → ${result.rssPeakMiB} MiB`,
      )
    } finally {
      await running.stop()
    }
  }
  return { name: 'memory', title: '5. Memory', data: results, ...summarise(results, holds) }
}

/** seatlock: bytes per seat when each hold takes 10 seats, on a fresh event of the same server. */
async function tenSeatHolds(ctx: Ctx, url: string, holds: number) {
  const eventId = newEventId('mem10')
  const sections = sectionsFor(10 * holds + 1)
  await ctx.admin.createEvent(eventId, sections)
  const size = sections[0]?.seats.length ?? 0
  await prime(url, eventId, 'sec1', `s${size}`)
  await settle(300)
  const before = await ctx.infra.usedMemory()
  let next = 0
  const load = await runLoad({
    label: `seatlock ${holds} holds of 10 seats`,
    url,
    connections: ctx.opts.connections,
    amount: holds,
    requests: [
      holdStep(
        eventId,
        () => {
          const first = 10 * next++ + 1
          return { section: 'sec1', seats: Array.from({ length: 10 }, (_, i) => `s${first + i}`) }
        },
        new KindTimer(),
      ),
    ],
    quiet: true,
  })
  await settle(300)
  const granted = load.statuses['201'] ?? 0
  const after = await ctx.infra.usedMemory()
  return { holds: granted, redisBytesPerSeat: round((after - before) / (10 * granted), 1) }
}

async function pgBytes(ctx: Ctx): Promise<number> {
  const rows = await ctx.infra.pool.query<{ n: string }>(
    `SELECT (pg_total_relation_size('bench_pg_seats') + pg_total_relation_size('bench_pg_holds'))::text AS n`,
  )
  return Number(rows.rows[0]?.n ?? 0)
}

function summarise(results: MemoryResult[], holds: number): { rows: SummaryRow[]; notes: string[] } {
  const values = (f: (r: MemoryResult) => string) =>
    Object.fromEntries(results.map((r) => [r.target, f(r)])) as Partial<Record<TargetName, string>>
  const s = results.find((r) => r.target === 'seatlock')
  const scenario = `5. memory (${fmt(holds)} holds of 2 seats)`
  return {
    rows: [
      {
        scenario,
        metric: 'Redis bytes per held seat (2-seat holds)',
        values: values((r) =>
          r.target === 'pg' ? `0 (PG ${fmt(r.pgBytesPerSeat ?? 0)})` : fmt(r.redisBytesPerSeat),
        ),
        ratio: '',
        target: `≤ ${LIMIT_BYTES_PER_SEAT}`,
        met: s ? s.redisBytesPerSeat <= LIMIT_BYTES_PER_SEAT : null,
      },
      {
        scenario,
        metric: 'Redis bytes per held seat (10-seat holds)',
        values: s?.tenSeatHolds ? { seatlock: fmt(s.tenSeatHolds.redisBytesPerSeat) } : {},
        ratio: '',
        target: `≤ ${LIMIT_BYTES_PER_SEAT}`,
        met: s?.tenSeatHolds ? s.tenSeatHolds.redisBytesPerSeat <= LIMIT_BYTES_PER_SEAT : null,
      },
      {
        scenario,
        metric: 'server RSS idle → peak under load (MiB)',
        values: values((r) => `${r.rssIdleMiB} → ${r.rssPeakMiB}`),
        ratio: '',
        target: '',
        met: null,
      },
    ],
    notes: [
      'used_memory of a Redis of our own (no persistence) before and after the holds, divided by held seats; ' +
        'every hold is by a different holder (the worst case for per-holder data).',
      ...(s?.breakdown
        ? [`seatlock, MEMORY USAGE of one hold's keys (bytes): ${JSON.stringify(s.breakdown)}`]
        : []),
    ],
  }
}
