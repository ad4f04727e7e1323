/**
 * Script calls (src/redis/script-call.ts, src/redis/scripts.ts): each script is a Redis function of its
 * own library. FCALL with the arguments as given; the library loaded when Redis lacks it (first call,
 * FUNCTION FLUSH, a restart), once for all the calls that met the lack together; a script's own error
 * passed on, never retried; include-level state set again at every call; the shebang's flags kept; one
 * EVAL of the whole script where the library cannot be had (over maxmemory, an ACL without FUNCTION LOAD,
 * a cluster master over maxmemory while the others took it).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { Redis } from 'ioredis'
import type { Test } from 'tap'
import type { RedisClient } from '../../src/redis/client.js'
import { callScript } from '../../src/redis/script-call.js'
import { scriptFile, scriptsLibrary } from '../../src/redis/scripts.js'
import { testConfig } from '../helpers/app.js'
import { connectedRedis } from '../helpers/connected-redis.js'
import { startRedisCluster } from '../helpers/redis-cluster.js'
import { RedisServer } from '../helpers/redis-server.js'

/** Calls of FCALL (and those that failed) and of FUNCTION LOAD so far, from INFO commandstats. */
async function functionCalls(redis: RedisClient) {
  const info = await redis.info('commandstats')
  const stat = (name: string, field: string) =>
    Number(new RegExp(`cmdstat_${name}:calls=\\d+.*?${field}=(\\d+)`).exec(info)?.[1] ?? 0)
  const calls = (name: string) => Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(info)?.[1] ?? 0)
  return { fcall: calls('fcall'), failed: stat('fcall', 'failed_calls'), load: calls('function\\|load') }
}

/** A client of a redis-server of this test's own: no functions loaded, command counts start empty. */
async function privateRedis(t: Test) {
  const server = await RedisServer.start(t)
  return connectedRedis(t, 'script-call-test', testConfig({ redisUrl: server.url }))
}

/** A lua/ folder of this test's own: `files` by path under it. */
function luaDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'seatlock-lua-'))
  mkdirSync(join(dir, 'includes'))
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text)
  return dir
}

/** A script that frees memory (flagged allow-oom) and one that takes it. */
function oomScripts() {
  return {
    freeing: scriptFile(
      'freeing-1.lua',
      "#!lua flags=allow-oom\n--[[ KEYS[1] a key ]]\nreturn redis.call('DEL', KEYS[1])\n",
    ),
    writing: scriptFile(
      'writing-1.lua',
      "#!lua\n--[[ KEYS[1] a key ]]\nreturn redis.call('SET', KEYS[1], 'x')\n",
    ),
  }
}

const ECHO = '#!lua\n--[[ KEYS[1] any key ]]\nreturn {KEYS[1], ARGV[1], ARGV[2], #KEYS, #ARGV}\n'

t.test('the library is loaded when Redis lacks it, once; FCALL with the arguments as given', async (t) => {
  const redis = await privateRedis(t)
  const echo = scriptFile('echo-1.lua', ECHO)

  t.same(await callScript(redis, echo, [1, 'k', 'a', 7]), ['k', 'a', '7', 1, 2], 'answered')
  t.same(
    await functionCalls(redis),
    { fcall: 2, failed: 1, load: 1 },
    'the first FCALL found no function: the library was loaded and the call sent again',
  )
  t.same(await callScript(redis, echo, [1, 'k', 'b', 8]), ['k', 'b', '8', 1, 2], 'answered again')
  t.same(await functionCalls(redis), { fcall: 3, failed: 1, load: 1 }, 'then FCALL alone')

  await redis.call('FUNCTION', ['FLUSH'])
  const after = await Promise.all(
    Array.from({ length: 20 }, (_, i) => callScript(redis, echo, [1, `k${i}`, 'c', i])),
  )
  t.same(after[7], ['k7', 'c', '7', 1, 2], 'after FUNCTION FLUSH, 20 calls at once all answered')
  t.same(
    await functionCalls(redis),
    { fcall: 43, failed: 21, load: 2 },
    'each met the lack and was sent again, after one load shared by all',
  )
})

t.test("a script's own error is passed on, not retried", async (t) => {
  const redis = await privateRedis(t)
  const failing = scriptFile(
    'failing-0.lua',
    "#!lua\n--[[ no keys ]]\nreturn redis.error_reply('NOT_MINE refused')\n",
  )
  await t.rejects(callScript(redis, failing, [0]), /NOT_MINE refused/, 'the first call (library loaded)')
  await t.rejects(callScript(redis, failing, [0]), /NOT_MINE refused/, 'a later call')
  t.same(await functionCalls(redis), { fcall: 3, failed: 3, load: 1 }, 'never sent again for its own error')
})

t.test('include-level state marked @per-call starts again at every call', async (t) => {
  const redis = await privateRedis(t)
  const dir = luaDir({
    'includes/once.lua': [
      'local seen = {} -- @per-call',
      'local function firstTime(name)',
      '  if seen[name] then return 0 end',
      '  seen[name] = true',
      '  return 1',
      'end',
    ].join('\n'),
  })
  const source = [
    '#!lua',
    '--[[ no keys ]]',
    '--- @include "includes/once"',
    "return { firstTime('x'), firstTime('x'), firstTime(ARGV[1]) }",
  ].join('\n')
  const once = scriptFile('once-0.lua', source, dir)
  t.same(await callScript(redis, once, [0, 'a']), [1, 0, 1], 'within a call the state is kept')
  t.same(await callScript(redis, once, [0, 'a']), [1, 0, 1], 'the next call starts afresh')

  // Include-level locals that are not functions: upper-case constants, @fixed values, single @per-call states.
  const refused = {
    'local seen = {}': 'seen',
    'local calls = 0': 'calls',
    'local cache = {} -- a note': 'cache',
    'local a, b = {}, {} -- @per-call': 'a, b',
    'local last': 'last',
  }
  for (const [line, names] of Object.entries(refused)) {
    writeFileSync(join(dir, 'includes/once.lua'), `${line}\nlocal function firstTime() return 1 end\n`)
    t.throws(
      () => scriptsLibrary([{ file: 'once-0.lua', source }], dir),
      new RegExp(`include-level state without -- @per-call or -- @fixed: ${names}$`),
      `refused at load: ${line}`,
    )
  }
  const accepted = ['local LIMIT = 5', 'local f, g = pair() -- @fixed', 'local seen = {} -- @per-call: why']
  for (const line of accepted) {
    writeFileSync(join(dir, 'includes/once.lua'), `${line}\nlocal function firstTime() return 1 end\n`)
    t.doesNotThrow(() => scriptsLibrary([{ file: 'once-0.lua', source }], dir), `accepted: ${line}`)
  }
})

t.test("the shebang's flags are the function's", async (t) => {
  const redis = await privateRedis(t)
  const source = "#!lua flags=no-writes\n--[[ KEYS[1] a key ]]\nreturn redis.call('SET', KEYS[1], 'x')\n"
  const readOnly = scriptFile('readOnly-1.lua', source)
  await t.rejects(callScript(redis, readOnly, [1, 'k']), /Write commands are not allowed/, 'no-writes kept')
  t.equal(await redis.exists('k'), 0, 'nothing written')
})

t.test(
  'over maxmemory, a script Redis lacks runs as one EVAL: allow-oom ones run, others are refused',
  async (t) => {
    const server = await RedisServer.start(t, ['--maxmemory-policy', 'noeviction'])
    const redis = await connectedRedis(t, 'script-call-test', testConfig({ redisUrl: server.url }))
    const { freeing, writing } = oomScripts()
    await redis.set('big', 'x'.repeat(1_000_000))
    const used = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1])
    await redis.config('SET', 'maxmemory', String(Math.floor(used / 2)))
    t.teardown(() => redis.config('SET', 'maxmemory', '0').catch(() => undefined))

    await t.rejects(
      redis.call('FUNCTION', ['LOAD', freeing.library]),
      /^OOM/,
      'Redis refuses to load a library',
    )
    await t.rejects(callScript(redis, writing, [1, 'k']), /^OOM/, 'a writing script is refused, as by EVAL')
    t.equal(await callScript(redis, freeing, [1, 'big']), 1, 'an allow-oom script runs, as one EVAL')
    t.equal(await redis.exists('big'), 0, 'and freed its key')
    t.match(await redis.info('commandstats'), /cmdstat_eval:calls=1,/, 'one EVAL')
  },
)

t.test('a user whose ACL refuses FUNCTION LOAD still runs the scripts, as EVAL', async (t) => {
  const server = await RedisServer.start(t)
  const admin = new Redis(server.url)
  t.teardown(() => admin.disconnect())
  await admin.call('ACL', 'SETUSER', 'scripts', 'on', 'nopass', '~*', '&*', '+@all', '-function|load')
  const url = server.url.replace('redis://', 'redis://scripts@')
  const redis = await connectedRedis(t, 'script-call-test', testConfig({ redisUrl: url }))
  const echo = scriptFile('echo-1.lua', ECHO)
  await t.rejects(redis.call('FUNCTION', ['LOAD', echo.library]), /NOPERM/, 'the user may not load a library')
  t.same(await callScript(redis, echo, [1, 'k', 'a', 7]), ['k', 'a', '7', 1, 2], 'answered')
  t.match(await admin.info('commandstats'), /cmdstat_eval:calls=1,/, 'by one EVAL')
})

t.test('on a Cluster, a master over maxmemory runs what it lacks as EVAL; the others load it', async (t) => {
  const nodes = await startRedisCluster(t)
  const redis = await connectedRedis(t, 'script-call-test', testConfig({ redisClusterNodes: nodes }))
  const { freeing, writing } = oomScripts()
  /** A connection to the master that owns a hash tag's slot. */
  const ownerOf = async (tag: string) => {
    const slot = Number(await redis.call('CLUSTER', ['KEYSLOT', tag]))
    const shards = (await redis.call('CLUSTER', ['SLOTS'])) as [number, number, [string, number]][]
    const [host, port] = shards.find(([from, to]) => slot >= from && slot <= to)?.[2] ?? []
    const node = new Redis(Number(port), String(host))
    t.teardown(() => node.disconnect())
    return node
  }
  const full = await ownerOf('{a}')
  const other = await ownerOf('{b}')
  t.not(full.options.port, other.options.port, 'the two tags live on two masters')
  await redis.set('big{a}', 'x'.repeat(1_000_000))
  const used = Number(/used_memory:(\d+)/.exec(await full.info('memory'))?.[1])
  await full.config('SET', 'maxmemory', String(Math.floor(used / 2)))
  t.teardown(() => full.config('SET', 'maxmemory', '0').catch(() => undefined))

  await t.rejects(
    callScript(redis, writing, [1, 'w{a}']),
    /^OOM/,
    'a writing script is refused there, as by EVAL',
  )
  t.equal(await callScript(redis, freeing, [1, 'big{a}']), 1, 'an allow-oom script runs there')
  t.equal(await full.exists('big{a}'), 0, 'and freed its key')
  t.match(await full.info('commandstats'), /cmdstat_eval:calls=1,/, 'as one EVAL')
  const loaded = (await other.call('FUNCTION', ['LIST', 'LIBRARYNAME', writing.libraryName])) as unknown[]
  t.equal(loaded.length, 1, 'the other master took the library when the first call met its lack')
  t.equal(await callScript(redis, writing, [1, 'k{b}']), 'OK', 'and runs the script')
  t.match(
    await other.info('commandstats'),
    /cmdstat_fcall:calls=1,usec=\d+,usec_per_call=[\d.]+,rejected_calls=0,failed_calls=0/,
    'as one FCALL',
  )
})
