import t from 'tap'
import { Locks } from '../src/lib/locks.js'
import { connectRedis, createRedis } from '../src/redis/client.js'
import { testConfig } from './helpers/app.js'
t.test('run() waits for a lock another instance holds, then runs', async (t) => {
  const config = testConfig()
  const redis = createRedis(config, 'x')
  await connectRedis(redis)
  t.teardown(() => redis.disconnect())
  const a = new Locks(redis, config.keyPrefix),
    b = new Locks(redis, config.keyPrefix)
  let release!: () => void
  const held = a.run('x', () => new Promise<void>((r) => (release = r)))
  await new Promise((r) => setTimeout(r, 50))
  setTimeout(() => release(), 500)
  const start = Date.now()
  const v = await b.run('x', async () => 42)
  t.equal(v, 42)
  t.ok(Date.now() - start >= 400, `waited ${Date.now() - start} ms`)
  await held
})
