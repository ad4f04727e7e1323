/**
 * Script calls (src/redis/script-call.ts): EVAL the first time on a connection, EVALSHA after, with the
 * arguments as given, EVAL again when Redis lost the script (SCRIPT FLUSH), and a script's own error
 * passed on as it is, never retried.
 */
import t from 'tap'
import type { Test } from 'tap'
import type { RedisClient } from '../../src/redis/client.js'
import { callScript, scriptToCall } from '../../src/redis/script-call.js'
import { testConfig } from '../helpers/app.js'
import { connectedRedis } from '../helpers/connected-redis.js'
import { RedisServer } from '../helpers/redis-server.js'

/** calls of EVAL and EVALSHA so far, from INFO commandstats. */
async function scriptCalls(redis: RedisClient): Promise<{ eval: number; evalsha: number }> {
  const info = await redis.info('commandstats')
  const calls = (name: string) => Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(info)?.[1] ?? 0)
  return { eval: calls('eval'), evalsha: calls('evalsha') }
}

/** A client of a redis-server of this test's own: its script cache and command counts start empty. */
async function privateRedis(t: Test) {
  const server = await RedisServer.start(t)
  return connectedRedis(t, 'script-call-test', testConfig({ redisUrl: server.url }))
}

t.test(
  'EVAL first on a connection, EVALSHA after, EVAL again once Redis lost it; arguments as given',
  async (t) => {
    const redis = await privateRedis(t)
    const script = scriptToCall('return {KEYS[1], ARGV[1], ARGV[2], #KEYS, #ARGV}')

    t.same(await callScript(redis, script, [1, 'k', 'a', 7]), ['k', 'a', '7', 1, 2], 'answered')
    t.same(await scriptCalls(redis), { eval: 1, evalsha: 0 }, 'the first call on the connection: EVAL')
    t.same(await callScript(redis, script, [1, 'k', 'b', 8]), ['k', 'b', '8', 1, 2], 'answered again')
    t.same(await scriptCalls(redis), { eval: 1, evalsha: 1 }, 'then EVALSHA')

    await redis.script('FLUSH')
    t.same(await callScript(redis, script, [1, 'k2', 'c', 9]), ['k2', 'c', '9', 1, 2], 'after SCRIPT FLUSH')
    t.same(
      await scriptCalls(redis),
      { eval: 2, evalsha: 2 },
      'EVALSHA refused (NOSCRIPT), sent again by EVAL',
    )
    t.same(await callScript(redis, script, [1, 'k3', 'd', 10]), ['k3', 'd', '10', 1, 2], 'and after it')
    t.same(await scriptCalls(redis), { eval: 2, evalsha: 3 }, 'EVALSHA again')
  },
)

t.test("a script's own error is passed on, not retried by EVAL", async (t) => {
  const redis = await privateRedis(t)
  const failing = scriptToCall("return redis.error_reply('NOT_MINE refused')")
  await t.rejects(callScript(redis, failing, [0]), /NOT_MINE refused/, 'as EVAL')
  await t.rejects(callScript(redis, failing, [0]), /NOT_MINE refused/, 'as EVALSHA')
  t.same(await scriptCalls(redis), { eval: 1, evalsha: 1 }, 'each sent once, never again')
})
