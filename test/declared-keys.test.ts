/**
 * Every key a script touches is one it declared in KEYS (issue 10, item 9), so on a Redis Cluster the
 * slot checks made before a script runs cover all it will write. Every operation runs against a private
 * redis-server while MONITOR records what each script executed; for every command a script ran (MONITOR
 * source "lua"), COMMAND GETKEYS names its keys, and each must be among the KEYS of the FCALL that ran
 * it. No hold is expired, so no reclaim (whose keys cannot be known before the call) runs.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { Redis } from 'ioredis'
import { retireDueEvents } from '../src/jobs/retention.js'
import { DriftReconciler } from '../src/jobs/drift.js'
import { LUA_DIR } from '../src/paths.js'
import { checkLongBrackets, checkScript, loadLibrary, loadScripts } from '../src/redis/scripts.js'
import { createEvent, eachLedger, seats, startApp, uniqueId } from './helpers/app.js'
import { eventually } from './helpers/eventually.js'
import { checkLedgerInvariants } from './helpers/invariants.js'
import { RedisServer } from './helpers/redis-server.js'
import { SCRIPT_COMMAND, scriptOfCall } from './helpers/script-names.js'
import { monitorRedis } from './helpers/redis-monitor.js'
import { ledgerSale } from './helpers/sales.js'

interface Logged {
  args: string[]
  source: string
}

t.test(
  'every script opens with a #!lua shebang and its file name counts the KEYS its header lists',
  async (t) => {
    const files = readdirSync(LUA_DIR).filter((f) => f.endsWith('.lua'))
    t.ok(files.length >= 19, 'the scripts are there')
    for (const file of files) {
      const source = readFileSync(join(LUA_DIR, file), 'utf8')
      t.match(source.split('\n', 1)[0], /^#!lua( flags=allow-oom)?$/, `${file} starts with #!lua`)
      t.doesNotThrow(() => checkScript(file, source), `${file}: name and header agree`)
    }
    // The loader catches drift: a wrong count, a missing shebang.
    const create = readFileSync(join(LUA_DIR, 'createHold-11.lua'), 'utf8')
    t.throws(
      () => checkScript('createHold-7.lua', create),
      /declares 11 fixed KEYS/,
      'a wrong count is refused',
    )
    t.throws(
      () => checkScript('createHold-11.lua', create.replace(/^#!lua\n/, '')),
      /shebang/,
      'no shebang refused',
    )
    // Upstream Redis's Lua (the official images) refuses "[[" inside a [[ … ]] comment; Debian's accepts it.
    t.throws(
      () =>
        checkLongBrackets(
          'createHold-11.lua',
          create.replace('[ [row,offset], ... ]', '[[row,offset], ...]'),
        ),
      /createHold-11\.lua: "\[\[" inside a \[\[ … \]\] block \(line 17\)/,
      'a nested long bracket is refused, with its line',
    )
    t.doesNotThrow(
      () => checkLongBrackets('x.lua', '--[[ a ]]\nlocal s = [[b]] .. "[["'),
      'separate ones pass',
    )
    t.equal(loadScripts().size, files.length, 'every script loads')
    t.equal(loadLibrary().functions.size, files.length, 'and is a function of the library')
  },
)

void eachLedger(t, 'declared keys', async (t, ledger) => {
  const server = await RedisServer.start(t)
  const prefix = `k${uniqueId('p').slice(2)}`
  const api = await startApp(
    t,
    ledger,
    {
      redisUrl: server.url,
      keyPrefix: prefix,
      eventRetentionS: 0,
      // On (never reached), so the rate-limit counter's script is checked too.
      rateLimits: { holdsPerAddress: 1_000_000, holdsPerHolder: 1_000_000, holdActionsPerAddress: 1_000_000 },
    },
    undefined,
    {
      jobs: false,
    },
  )
  const { store } = api.services

  const monitor = await monitorRedis(server.url)
  const log: Logged[] = []
  monitor.on('monitor', ({ args, source }) => log.push({ args, source }))
  t.teardown(() => monitor.disconnect())

  // An event whose state ends (retention), created first so its start is in the past.
  const pastId = uniqueId('past')
  const past = await api.request('POST', '/v1/events', {
    admin: true,
    body: {
      id: pastId,
      name: 'Yesterday',
      startsAt: new Date(Date.now() - 3600_000).toISOString(),
      sections: [{ id: 'p', name: 'P', price: 100, seats: seats('P', 3) }],
    },
  })
  t.equal(past.status, 201, 'past event created')
  t.equal((await api.request('GET', `/v1/events/${pastId}`)).status, 200, 'past event loaded')

  const eventId = await createEvent(api, { seated: { s: seats('S', 12) }, ga: { g: 50 } })
  const hold = async (items: unknown[], holder = 'alice', headers: Record<string, string> = {}) => {
    const res = await api.request('POST', `/v1/events/${eventId}/holds`, {
      body: { holder, ttlSeconds: 300, items },
      headers,
    })
    t.equal(res.status, 201, 'hold taken')
    return res.body as { id: string; token: string }
  }
  // Create (loads the event: activateEvent), seated and GA, with an Idempotency-Key, and its replay.
  const a = await hold([
    { section: 's', seats: ['S1', 'S2'] },
    { section: 'g', quantity: 2 },
  ])
  const b = await hold([{ section: 'g', quantity: 3 }], 'bob', { 'idempotency-key': 'k-1' })
  await hold([{ section: 'g', quantity: 3 }], 'bob', { 'idempotency-key': 'k-1' })
  // Refusals: a seat taken, a GA section short.
  t.equal(
    (
      await api.request('POST', `/v1/events/${eventId}/holds`, {
        body: { holder: 'c', items: [{ section: 's', seats: ['S1'] }] },
      })
    ).status,
    409,
    'seat taken',
  )
  // Get, extend, release.
  t.equal(
    (await api.request('GET', `/v1/events/${eventId}/holds/${a.id}`, { token: a.token })).status,
    200,
    'get',
  )
  t.equal(
    (
      await api.request('POST', `/v1/events/${eventId}/holds/${a.id}/extend`, {
        token: a.token,
        body: { ttlSeconds: 200 },
      })
    ).status,
    200,
    'extend',
  )
  t.equal(
    (await api.request('DELETE', `/v1/events/${eventId}/holds/${b.id}`, { token: b.token })).status,
    204,
    'release',
  )
  // Confirm (pin + finalise), then cancel (markCancelling + returnSeats).
  const c = await hold(
    [
      { section: 's', seats: ['S3', 'S4'] },
      { section: 'g', quantity: 1 },
    ],
    'carol',
  )
  const sale = await api.request('POST', `/v1/events/${eventId}/holds/${c.id}/confirm`, { token: c.token })
  t.equal(sale.status, 201, 'confirmed')
  const cancel = await api.request('DELETE', `/v1/events/${eventId}/reservations/${sale.body.id}`, {
    admin: true,
  })
  t.equal(cancel.status, 204, 'cancelled')
  // Admin release of one holder's holds (releaseHolder).
  await hold([{ section: 's', seats: ['S5'] }], 'dave')
  await hold([{ section: 'g', quantity: 1 }], 'dave')
  const bulk = await api.request('DELETE', `/v1/events/${eventId}/holders/dave/holds`, { admin: true })
  t.equal(bulk.status, 200, 'holder released')
  // Store-level operations: pin then unpin, abandon (before and after the create), the holder reclaim, a sweep.
  const e = await hold([{ section: 's', seats: ['S6', 'S7'] }], 'erin')
  const pin = await store.pin(eventId, e.id, { tokenHash: '', admin: true }, uniqueId('r'), 30_000)
  t.equal(pin.kind, 'pinned', 'pinned')
  t.equal(await store.unpin(eventId, e.id), 'heldAgain', 'unpinned: held again')
  t.equal(await store.abandon(eventId, e.id), 'released', 'abandon releases a created hold')
  t.equal(
    await store.abandon(eventId, uniqueId('never')),
    'tombstone',
    'abandon before the create: tombstone',
  )
  t.equal(await store.reclaimHolder(eventId, 'alice'), false, 'nothing of alice to reclaim')
  t.equal((await store.sweep(eventId)).reclaimed, 0, 'sweep: nothing expired')
  // The ledger's word: markSold, syncSold, and the drift heal (a ledger sale and cancel Redis never heard of).
  t.equal(
    await store.markSold(eventId, [{ section: 's', seat: 'S8', reservationId: 'x-1' }]),
    1,
    'marked sold',
  )
  const direct = uniqueId('direct')
  const other = await ledger.confirm(
    ledgerSale(
      eventId,
      [
        { section: 's', seats: ['S9', 'S10'] },
        { section: 'g', quantity: 4 },
      ],
      direct,
    ),
  )
  t.equal(await store.syncSold(eventId, [{ section: 'g', sold: 4 }]), 1, 'GA sold count synced')
  const drift = new DriftReconciler(store, ledger, api.services.events)
  const healed = await drift.reconcile(eventId, true)
  t.ok(healed.seats >= 2, 'drift healed the seats Redis never heard of')
  t.equal(
    await api.redis.get(store.keys(eventId).seat('s', 'S9')),
    `$${other.reservation.id}`,
    'S9 names its owner',
  )
  // Blocks: an allocation blocked (blockSeats, its release indexed), then unblocked (freeBlock).
  const blocked = await api.request('POST', `/v1/events/${eventId}/blocks`, {
    admin: true,
    body: {
      seats: [
        { section: 's', seat: 'S11' },
        { section: 's', seat: 'S12' },
      ],
      reason: 'press',
      allocation: 'press',
      releaseAt: new Date(Date.now() + 3600_000).toISOString(),
    },
  })
  t.equal(blocked.status, 201, 'blocked')
  const unblocked = await api.request('DELETE', `/v1/events/${eventId}/blocks/${blocked.body.id}`, {
    admin: true,
  })
  t.equal(unblocked.status, 204, 'unblocked')
  // Retention: the past event's state retired and its keys dropped.
  const tally = await retireDueEvents(api.services, new AbortController().signal)
  t.equal(tally.evicted, 1, 'past event evicted')

  // Best available (a section given as rows): its load indexes the rows (indexRows); named seats and a pick
  // keep its seating keys, which every script that takes, frees, sells or returns a seat declares. The seat
  // keys of the block a pick chooses cannot be known before the call: the one undeclared kind, allowed
  // below for createHold only and only for the seats it picked.
  const rowsId = uniqueId('rows')
  const rowsEvent = await api.request('POST', '/v1/events', {
    admin: true,
    body: {
      id: rowsId,
      name: 'Rows',
      sections: [{ id: 'r', name: 'R', price: 100, rows: [{ row: 'A', seats: '1-6' }] }],
    },
  })
  t.equal(rowsEvent.status, 201, 'rows event created')
  const rowsHold = async (items: unknown[]) => {
    const res = await api.request('POST', `/v1/events/${rowsId}/holds`, {
      body: { holder: uniqueId('r'), ttlSeconds: 300, items },
    })
    t.equal(res.status, 201, 'rows hold taken')
    return res.body as { id: string; token: string; items: { seats: string[] }[] }
  }
  const named = await rowsHold([{ section: 'r', seats: ['A-1'] }])
  t.equal(
    (await api.request('DELETE', `/v1/events/${rowsId}/holds/${named.id}`, { token: named.token })).status,
    204,
    'named seat in rows released',
  )
  const pick = await rowsHold([{ section: 'r', quantity: 2, together: true }])
  const picked = new Set(pick.items[0]?.seats.map((seat) => store.keys(rowsId).seat('r', seat)))
  const pickSale = await api.request('POST', `/v1/events/${rowsId}/holds/${pick.id}/confirm`, {
    token: pick.token,
  })
  t.equal(pickSale.status, 201, 'pick confirmed')
  t.equal(
    (await api.request('DELETE', `/v1/events/${rowsId}/reservations/${pickSale.body.id}`, { admin: true }))
      .status,
    204,
    'pick cancelled',
  )

  // Every script ran; MONITOR shows commands in the order they ran, so once a marker sent after them is in,
  // so are they.
  const marker = uniqueId('all-in')
  await api.redis.echo(marker)
  await eventually('MONITOR to show the marker', () => log.some((l) => l.args[1] === marker), {
    deadlineMs: 3000,
  })
  monitor.disconnect()

  const probe = new Redis(server.url)
  t.teardown(() => probe.disconnect())
  const seen = new Set<string>()
  const undeclared: string[] = []
  let declared: Set<string> | null = null
  let script = ''
  let checked = 0
  for (const { args, source } of log) {
    const command = (args[0] ?? '').toLowerCase()
    if (source !== 'lua') {
      if (SCRIPT_COMMAND.test(command)) {
        const n = Number(args[2])
        declared = new Set(args.slice(3, 3 + n))
        script = scriptOfCall(command, args[1] ?? '')
        seen.add(script)
      }
      continue
    }
    let keys: string[] = []
    try {
      keys = (await probe.call('COMMAND', 'GETKEYS', ...args)) as string[]
    } catch {
      keys = [] // a command without keys (TIME, PUBLISH)
    }
    for (const key of keys) {
      checked++
      if (!declared?.has(key) && !(script === 'createHold' && picked.has(key)))
        undeclared.push(`${script}: ${args.join(' ')}`)
    }
  }
  t.ok(checked > 100, `the keys of ${checked} script commands were checked`)
  for (const name of loadScripts().keys()) t.ok(seen.has(name), `${name} ran`)
  t.same(undeclared, [], 'every key a script touched was in its KEYS')
  await checkLedgerInvariants(t, api, eventId, {
    confirmed: [other.reservation.id],
    holds: [a.id, b.id, c.id, e.id, direct],
  })
})
