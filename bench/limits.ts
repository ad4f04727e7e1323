/**
 * Hold throughput with the rate limits off vs on (limits high, so every request is checked and none is
 * refused), measured in the same run: two seatlock processes on one private Redis and the PostgreSQL ledger,
 * autocannon in this process, rounds alternating off/on. Not part of `npm run bench`. Writes
 * bench/results/limits.json and limits.md (with the commit measured); the ratio is the median over rounds.
 *   npm run bench:limits [-- rounds=4 seconds=8]
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import autocannon from 'autocannon'
import { freePort, startChild } from './lib/proc.js'
import type { Child } from './lib/proc.js'
import { startRedis } from './lib/infra.js'
import { measuredCommit } from './lib/results.js'
import { ROOT_DIR } from '../src/paths.js'

const ADMIN = 'bench-admin-token-0123456789'
const PG = process.env.BENCH_PG_URL ?? 'postgres://127.0.0.1:5432/seatlock_bench'
const rounds = Number(process.argv[2] ?? 4)
const seconds = Number(process.argv[3] ?? 8)

async function server(limit: number): Promise<{ url: string; child: Child }> {
  const port = await freePort()
  const child = startChild(
    `seatlock limits ${limit === 0 ? 'off' : 'on'}`,
    process.execPath,
    [process.env.SEATLOCK_SERVER ?? 'dist/src/server.js'],
    {
      PORT: String(port),
      REDIS_URL: redisUrl,
      LEDGER_URL: PG,
      ADMIN_TOKEN: ADMIN,
      KEY_PREFIX: `lim${limit === 0 ? 'off' : 'on'}`,
      LOG_LEVEL: 'warn',
      MAX_SEATS_PER_HOLDER: '100000',
      RATE_LIMIT_HOLDS_PER_MIN: String(limit),
      RATE_LIMIT_HOLDS_PER_HOLDER_PER_MIN: String(limit),
      RATE_LIMIT_HOLD_ACTIONS_PER_MIN: String(limit),
    },
  )
  const url = `http://127.0.0.1:${port}`
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/ready`)).ok) return { url, child }
    } catch {
      // not listening yet
    }
    await sleep(100)
  }
  throw new Error('server did not start')
}

async function event(url: string, id: string): Promise<void> {
  const res = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id, name: id, sections: [{ id: 'g', name: 'g', price: 1, capacity: 1_000_000 }] }),
  })
  if (res.status !== 201) throw new Error(`event: ${res.status}`)
}

let holders = 0

async function load(s: { url: string; child: Child }, id: string) {
  const url = s.url
  const serverCpu0 = s.child.cpuSeconds()
  const redisCpu0 = redisChild.cpuSeconds()
  const result = await autocannon({
    url: `${url}/v1/events/${id}/holds`,
    method: 'POST',
    connections: 50,
    duration: seconds,
    headers: { 'content-type': 'application/json' },
    // A holder of its own per hold, as in the hold benchmark: every per-holder check is a Redis call of its
    // own (only the address, shared by the whole load, can share calls).
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify({ holder: `lim${++holders}`, items: [{ section: 'g', quantity: 1 }] }),
        }),
      },
    ],
  })
  // CPU per hold is the steadier measure on a shared machine: throughput moves with whatever else runs,
  // the work each hold costs the server and Redis much less.
  const holds = Math.max(1, result['2xx'])
  return {
    serverCpuUs: Math.round(((s.child.cpuSeconds() - serverCpu0) * 1e6) / holds),
    redisCpuUs: Math.round(((redisChild.cpuSeconds() - redisCpu0) * 1e6) / holds),
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
  }
}

const { redisUrl, redis, redisChild } = await startRedis()
const off = await server(0)
const on = await server(100_000_000)
const rows: string[] = []
const measured: {
  round: number
  limits: 'off' | 'on'
  holdsPerSec: number
  serverCpuUs: number
  redisCpuUs: number
  p50: number
  p99: number
  non2xx: number
}[] = []
try {
  for (let round = 0; round < rounds; round++) {
    for (const [name, s] of round % 2 === 0
      ? ([
          ['off', off],
          ['on', on],
        ] as const)
      : ([
          ['on', on],
          ['off', off],
        ] as const)) {
      const id = `lim-${name}-${round}-${Date.now()}`
      await event(s.url, id)
      const r = await load(s, id)
      rows.push(
        `round ${round} limits ${name}: ${Math.round(r.rps)} holds/s, p50 ${r.p50} ms, p99 ${r.p99} ms, non-2xx ${r.non2xx}; CPU per hold: server ${r.serverCpuUs} µs, Redis ${r.redisCpuUs} µs`,
      )
      measured.push({
        round,
        limits: name,
        holdsPerSec: Math.round(r.rps),
        p50: r.p50,
        p99: r.p99,
        serverCpuUs: r.serverCpuUs,
        redisCpuUs: r.redisCpuUs,
        non2xx: r.non2xx,
      })
      process.stdout.write(`${rows.at(-1)}\n`)
    }
  }
} finally {
  await off.child.stop()
  await on.child.stop()
  redis.disconnect()
  await redisChild.stop()
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}
type Measure = 'holdsPerSec' | 'serverCpuUs' | 'redisCpuUs'
/** The median over rounds of on / off for one measure (each round measures both, back to back). */
const medianRatio = (measure: Measure) => {
  const ratios = Array.from({ length: rounds }, (_, round) => {
    const of = (limits: 'off' | 'on') =>
      measured.find((m) => m.round === round && m.limits === limits)?.[measure] ?? 0
    return of('on') / of('off')
  })
  return Math.round(median(ratios) * 100) / 100
}
const ratio = medianRatio('holdsPerSec')
const cpuRatio = {
  server: medianRatio('serverCpuUs'),
  redis: medianRatio('redisCpuUs'),
}
const commit = measuredCommit()
const dir = join(ROOT_DIR, 'bench', 'results')
mkdirSync(dir, { recursive: true })
writeFileSync(
  join(dir, 'limits.json'),
  JSON.stringify(
    { at: new Date().toISOString(), commit, rounds, seconds, ratio, cpuRatio, measured },
    null,
    2,
  ) + '\n',
)
writeFileSync(
  join(dir, 'limits.md'),
  [
    '# Rate limits: hold throughput off vs on (limits high)',
    '',
    `${new Date().toISOString()}, commit ${commit}: 50 connections, GA holds of 1 unit, ${rounds} rounds of ${seconds} s alternating.`,
    '',
    ...rows.map((r) => `- ${r}`),
    '',
    `Median ratio on / off: **${ratio}×** holds/s (target: unchanged within noise); CPU per hold ` +
      `${cpuRatio.server}× in the server, ${cpuRatio.redis}× in Redis.`,
    '',
  ].join('\n'),
)
process.stdout.write(
  `ratio on/off ${ratio}, CPU per hold server ${cpuRatio.server}, Redis ${cpuRatio.redis}\n`,
)
