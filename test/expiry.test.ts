import { randomBytes } from 'node:crypto'
import t from 'tap'
import type { Test } from 'tap'
import { Cluster, Redis } from 'ioredis'
import { ExpiryWatcher, mergeKeyspaceFlags } from '../src/jobs/expiry-watcher.js'
import { EventKeys } from '../src/redis/keys.js'
import { SWEEP_INTERVAL_MS } from '../src/jobs/index.js'
import { createEvent, seats, startApp } from './helpers/app.js'
import type { TestApp } from './helpers/app.js'
import { openLedger, postgresTarget } from './helpers/ledgers.js'
import { startRedisCluster } from './helpers/redis-cluster.js'
import { RedisServer } from './helpers/redis-server.js'
import { StreamClient, until } from './helpers/stream.js'

/** A logger destination that keeps every line (JSON), for checking what the service warned about. */
function captureLog() {
  const lines: { level: number; msg: string }[] = []
  return {
    lines,
    logger: {
      level: 'info',
      stream: {
        write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }),
      },
    },
  }
}

async function notifyFlags(redis: Redis, configCommand = 'CONFIG'): Promise<string> {
  const reply = (await redis.call(configCommand, 'GET', 'notify-keyspace-events')) as string[]
  return reply[1] ?? ''
}

/** Takes a one-second hold and waits for its hold.expired on the stream; returns the lag after expiresAt. */
async function expireOne(t: Test, api: TestApp, client: StreamClient, eventId: string, seat: string) {
  const created = await api.request('POST', `/v1/events/${eventId}/holds`, {
    body: { holder: `holder-${seat}`, ttlSeconds: 1, items: [{ section: 's', seats: [seat] }] },
  })
  t.equal(created.status, 201, 'hold taken')
  const { receivedAt } = await client.waitFor(
    (m) => m.type === 'hold.expired' && m.holdId === created.body.id,
    5000,
    'hold.expired',
  )
  return { holdId: created.body.id as string, lag: receivedAt - Date.parse(created.body.expiresAt) }
}

t.test('merging notify-keyspace-events keeps every flag already set', async (t) => {
  t.equal(mergeKeyspaceFlags(''), 'Ex')
  t.equal(mergeKeyspaceFlags('Kg'), 'KgEx')
  t.equal(mergeKeyspaceFlags('Kx'), 'KxE')
  t.equal(mergeKeyspaceFlags('Eg'), 'Egx')
  t.equal(mergeKeyspaceFlags('xE'), null, 'nothing to do when E and x are there')
  t.equal(mergeKeyspaceFlags('AKE'), null, '"A" includes x')
})

await t.test('expiry watcher (private Redis servers)', async (t) => {
  const ledger = await openLedger(t, await postgresTarget())

  await t.test('with notifications off and CONFIG refused, the sweeper alone expires holds', async (t) => {
    const config = `cfg-${randomBytes(6).toString('hex')}` // CONFIG renamed, as managed Redis does
    const server = await RedisServer.start(t, [
      '--notify-keyspace-events',
      '',
      '--rename-command',
      'CONFIG',
      config,
    ])
    const log = captureLog()
    const api = await startApp(t, ledger, { redisUrl: server.url }, undefined, { logger: log.logger })
    const warnings = log.lines.filter((l) => l.level === 40 && l.msg.includes('notify-keyspace-events'))
    t.equal(warnings.length, 1, 'one warning says how to enable the notifications by hand')
    t.match(warnings[0]?.msg, /"E" and "x"/)
    const probe = new Redis(server.url)
    t.teardown(() => probe.disconnect())
    t.equal(await notifyFlags(probe, config), '', 'the flags are untouched')

    const eventId = await createEvent(api, { seated: { s: seats('S', 10) } })
    const client = await StreamClient.open(t, api.url, eventId)
    for (const seat of ['S1', 'S2', 'S3']) {
      const { lag } = await expireOne(t, api, client, eventId, seat)
      t.ok(
        lag <= SWEEP_INTERVAL_MS + 600,
        `expired ${lag} ms after expiresAt (sweep interval ${SWEEP_INTERVAL_MS} ms + margin)`,
      )
    }
    t.equal(api.services.expiryWatcher?.stats.timers, 0, 'no notification arrived: the sweeper did it')
    const warnedAgain = log.lines.filter((l) => l.level === 40 && l.msg.includes('notify-keyspace-events'))
    t.equal(warnedAgain.length, 1, 'still one warning')
  })

  await t.test('the watcher enables expired events, keeping the flags already set', async (t) => {
    const server = await RedisServer.start(t, ['--notify-keyspace-events', 'Kg'])
    const probe = new Redis(server.url)
    t.teardown(() => probe.disconnect())
    t.equal(await notifyFlags(probe), 'gK', 'starts with K and g only')
    await startApp(t, ledger, { redisUrl: server.url })
    const flags = await notifyFlags(probe)
    for (const flag of ['K', 'g', 'E', 'x']) t.ok(flags.includes(flag), `flags "${flags}" include ${flag}`)
  })

  await t.test('with notifications on, the watcher alone reports an expiry once, quickly', async (t) => {
    const server = await RedisServer.start(t) // notifications off: the watcher turns them on
    // No sweeper: only the watcher (or a request touching the event) can reclaim.
    const api = await startApp(t, ledger, { redisUrl: server.url }, undefined, {
      jobs: false,
      expiryWatcher: true,
    })
    const eventId = await createEvent(api, { seated: { s: seats('S', 10) } })
    const client = await StreamClient.open(t, api.url, eventId)
    const lags: number[] = []
    for (const seat of ['S1', 'S2', 'S3']) {
      const { lag } = await expireOne(t, api, client, eventId, seat)
      lags.push(lag)
    }
    for (const lag of lags) t.ok(lag <= 500, `hold.expired ${lag} ms after expiresAt (<= 500)`)
    t.ok((api.services.expiryWatcher?.stats.reclaimed ?? 0) >= 3, 'the watcher reclaimed them')
  })

  await t.test('one timer drains a backlog larger than one script batch', async (t) => {
    // A timer stands for every hold of its 100 ms slot: possibly more than one sweep call reclaims.
    const server = await RedisServer.start(t)
    const redis = new Redis(server.url)
    t.teardown(() => redis.disconnect())
    const calls: string[] = []
    const drained = new Promise<void>((resolve) => {
      const watcher = new ExpiryWatcher({
        redis,
        prefix: 'wt',
        log: { warn: () => undefined, info: () => undefined, debug: () => undefined },
        // Three batches' worth of due holds, then none: what HoldStore.sweep reports for a large slot.
        sweep: async (eventId) => {
          calls.push(eventId)
          if (calls.length === 3) resolve()
          return { reclaimed: 500, more: calls.length < 3 }
        },
      })
      t.teardown(() => watcher.stop())
      void watcher
        .start()
        .then(() => redis.set(new EventKeys('wt', 'big').timer(Date.now() + 20), '1', 'PX', 20))
    })
    await drained
    t.same(calls, ['big', 'big', 'big'], 'one notification, three sweeps: until nothing more is due')
  })

  await t.test('watcher and sweeper together: every expiry is reported exactly once', async (t) => {
    const server = await RedisServer.start(t)
    const api = await startApp(t, ledger, { redisUrl: server.url }, undefined, { expiryWatcher: true })
    const eventId = await createEvent(api, { seated: { s: seats('S', 20) }, ga: { g: 50 } })
    const client = await StreamClient.open(t, api.url, eventId)
    const holds: string[] = []
    for (let i = 0; i < 20; i++) {
      const res = await api.request('POST', `/v1/events/${eventId}/holds`, {
        body: {
          holder: `h${i}`,
          ttlSeconds: 1,
          items: [
            { section: 's', seats: [`S${i + 1}`] },
            { section: 'g', quantity: 2 },
          ],
        },
      })
      t.equal(res.status, 201)
      holds.push(res.body.id as string)
    }
    const expired = () => client.changes().filter((m) => m.type === 'hold.expired')
    await until(() => (expired().length >= holds.length ? true : undefined), 5000, 'every hold to expire')
    // Whoever sweeps now finds nothing left; a marker change after it shows nothing else was published.
    const again = await api.services.store.sweep(eventId)
    t.equal(again.reclaimed, 0, 'a sweep after the fact reclaims nothing')
    const marker = await api.request('POST', `/v1/events/${eventId}/holds`, {
      body: { holder: 'marker', items: [{ section: 'g', quantity: 1 }] },
    })
    await client.waitFor((m) => m.holdId === marker.body.id, 2000, 'the marker change')
    const counts = new Map<string, number>()
    for (const m of expired()) counts.set(m.holdId ?? '', (counts.get(m.holdId ?? '') ?? 0) + 1)
    t.same([...counts.keys()].sort(), [...holds].sort(), 'every hold expired')
    t.ok(
      [...counts.values()].every((n) => n === 1),
      'each exactly once',
    )
    const view = await api.request('GET', `/v1/events/${eventId}`)
    t.same(
      (view.body.sections as { id: string; held: number }[]).map((s) => [s.id, s.held]),
      [
        ['s', 0],
        ['g', 1],
      ],
      'counts are back (the marker holds one unit)',
    )
  })

  await t.test('on Redis Cluster the watcher listens on every master', async (t) => {
    const nodes = await startRedisCluster(t)
    const api = await startApp(t, ledger, { redisClusterNodes: nodes }, undefined, {
      jobs: false,
      expiryWatcher: true,
    })
    const cluster = api.redis as Cluster
    for (const master of cluster.nodes('master')) {
      const flags = await notifyFlags(master)
      t.ok(
        flags.includes('E') && flags.includes('x'),
        `${master.options.port}: expired events on ("${flags}")`,
      )
    }
    const events: string[] = []
    const masters = new Set<string>()
    for (let i = 0; i < 8; i++) {
      const eventId = await createEvent(api, { seated: { s: seats('S', 3) } })
      events.push(eventId)
      const slot = Number(await cluster.cluster('KEYSLOT', new EventKeys(api.config.keyPrefix, eventId).meta))
      masters.add(cluster.slots[slot]?.[0] ?? '?')
    }
    t.ok(masters.size >= 2, `the events live on ${masters.size} masters`)
    const clients = await Promise.all(events.map((eventId) => StreamClient.open(t, api.url, eventId)))
    // No sweeper: only the watcher reclaims, on whichever master the event lives.
    const lags = await Promise.all(
      events.map((eventId, i) => expireOne(t, api, clients[i] as StreamClient, eventId, 'S1')),
    )
    for (const { lag } of lags) t.ok(lag <= 1000, `hold.expired ${lag} ms after expiresAt`)
  })
})
