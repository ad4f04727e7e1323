/**
 * What every scenario needs: a Redis of our own (a child redis-server, no persistence, so memory numbers
 * are clean and the shared Redis is untouched), the PostgreSQL database seatlock_bench, and the baseline
 * tables. MongoDB only when MONGO_URL is set.
 */
import { userInfo } from 'node:os'
import { Redis } from 'ioredis'
import pg from 'pg'
import { ensurePostgresDatabase } from '../../src/ledger/select.js'
import { BASELINE_SCHEMA, BASELINE_TABLES } from '../servers/pg-schema.js'
import { log } from './log.js'
import { freePort, startChild, waitFor } from './proc.js'
import type { Child } from './proc.js'

export interface Infra {
  redisUrl: string
  redis: Redis
  redisChild: Child
  pgUrl: string
  pool: pg.Pool
  mongoUrl: string | undefined
  /** Empties our Redis (it is ours alone). */
  flushRedis(): Promise<void>
  /** used_memory of our Redis, in bytes. */
  usedMemory(): Promise<number>
  /** CPU seconds (user + system) our Redis has used so far. */
  redisCpuSeconds(): Promise<number>
  /** Calls and microseconds of each command our Redis has run so far (scripts' inner commands included). */
  redisCommandStats(): Promise<Map<string, CommandStat>>
  close(): Promise<void>
}

export interface CommandStat {
  calls: number
  usec: number
}

/** INFO commandstats as a map from the command's name (`evalsha`, `hget`…) to its calls and microseconds. */
export function parseCommandStats(info: string): Map<string, CommandStat> {
  const stats = new Map<string, CommandStat>()
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    stats.set(match[1] ?? '', { calls: Number(match[2]), usec: Number(match[3]) })
  }
  return stats
}

export function benchPgUrl(): string {
  if (process.env.BENCH_PG_URL) return process.env.BENCH_PG_URL
  const user = encodeURIComponent(userInfo().username)
  return `postgres://${user}@127.0.0.1:5432/seatlock_bench`
}

/** A redis-server of our own on a free port, without persistence, and a connection to it. */
export async function startRedis(): Promise<{ redisUrl: string; redis: Redis; redisChild: Child }> {
  const port = await freePort()
  const redisChild = startChild('redis-server', 'redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--maxclients',
    '10000',
  ])
  const redisUrl = `redis://127.0.0.1:${port}`
  const redis = new Redis(redisUrl, { lazyConnect: true, connectionName: 'bench-parent' })
  redis.on('error', () => undefined)
  await waitFor('redis-server', async () => {
    if (redis.status === 'wait') await redis.connect()
    return (await redis.ping()) === 'PONG'
  })
  log(`redis-server ${port} started (pid ${redisChild.pid}, no persistence)`)
  return { redisUrl, redis, redisChild }
}

export async function startInfra(): Promise<Infra> {
  const { redisUrl, redis, redisChild } = await startRedis()

  const pgUrl = benchPgUrl()
  await ensurePostgresDatabase(pgUrl)
  const pool = new pg.Pool({ connectionString: pgUrl, max: 10, application_name: 'seatlock-bench-parent' })
  pool.on('error', () => undefined)
  for (const table of BASELINE_TABLES) await pool.query(`DROP TABLE IF EXISTS ${table}`)
  for (const statement of BASELINE_SCHEMA) await pool.query(statement)
  // Sales of earlier runs are of no use; start seatlock's own tables empty too (they exist after a first run),
  // all but the record of schema migrations, which describes tables that are still there.
  const existing = await pool.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = 'public' AND table_name LIKE 'seatlock\\_%' AND table_name <> 'seatlock_migrations'`,
  )
  if (existing.rows.length > 0) {
    await pool.query(`TRUNCATE ${existing.rows.map((r) => `"${r.name}"`).join(', ')} CASCADE`)
  }
  log(`PostgreSQL ${pgUrl.replace(/\/\/[^@]*@/, '//')} ready (baseline tables created)`)

  return {
    redisUrl,
    redis,
    redisChild,
    pgUrl,
    pool,
    mongoUrl: process.env.MONGO_URL?.trim() || undefined,
    flushRedis: async () => {
      await redis.flushall()
    },
    usedMemory: async () => {
      const info = await redis.info('memory')
      return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0)
    },
    redisCpuSeconds: async () => {
      const info = await redis.info('cpu')
      const value = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0)
      return value('used_cpu_user') + value('used_cpu_sys')
    },
    redisCommandStats: async () => parseCommandStats(await redis.info('commandstats')),
    close: async () => {
      redis.disconnect()
      await pool.end()
      await redisChild.stop()
    },
  }
}
