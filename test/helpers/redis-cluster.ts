import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eventually } from './eventually.js'
import { promisify } from 'node:util'
import type { Test } from 'tap'
import { Redis } from 'ioredis'
import { RedisServer } from './redis-server.js'

const run = promisify(execFile)

/** A local Redis Cluster of `masters` nodes (no replicas) that the test owns. */
export async function startRedisCluster(t: Test, masters = 3): Promise<{ host: string; port: number }[]> {
  const dir = await mkdtemp(join(tmpdir(), 'seatlock-cluster-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const servers: RedisServer[] = []
  for (let i = 0; i < masters; i++) {
    servers.push(
      await RedisServer.start(t, [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${i}.conf`),
        '--cluster-node-timeout',
        '2000',
        '--dir',
        dir,
      ]),
    )
  }
  const nodes = servers.map((s) => ({ host: '127.0.0.1', port: s.port }))
  await run('redis-cli', [
    '--cluster',
    'create',
    ...nodes.map((n) => `${n.host}:${n.port}`),
    '--cluster-replicas',
    '0',
    '--cluster-yes',
  ])
  for (const node of nodes) {
    const probe = new Redis(node.port, node.host, { maxRetriesPerRequest: 1 })
    try {
      await eventually(
        `cluster_state:ok on ${node.port}`,
        async () => /cluster_state:ok/.test(await probe.cluster('INFO')),
        { deadlineMs: 15_000, intervalMs: 50 },
      )
    } finally {
      probe.disconnect()
    }
  }
  return nodes
}
