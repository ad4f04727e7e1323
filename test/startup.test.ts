import { randomBytes } from 'node:crypto'
import t from 'tap'
import pg from 'pg'
import { postgresConnectionString } from '../src/ledger/pg-pool.js'
import { ADMIN_TOKEN, request, TEST_REDIS_URL } from './helpers/app.js'
import { eventually } from './helpers/eventually.js'
import { freePort } from './helpers/redis-server.js'
import { runServerToExit, startServerProcess } from './helpers/server-process.js'

const PG_BASE = process.env.TEST_PG_URL ?? 'postgres://127.0.0.1:5432/seatlock_test'

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line.trim() !== '')
}

t.test('unreachable Redis: one clear line and a non-zero exit', async (t) => {
  const port = await freePort()
  const run = await runServerToExit({ REDIS_URL: `redis://127.0.0.1:${port}`, LEDGER_URL: PG_BASE })
  t.not(run.code, 0, 'exits non-zero')
  t.same(lines(run.stderr).length, 1, 'exactly one line on stderr')
  t.match(run.stderr, new RegExp(`seatlock: cannot reach Redis at redis://127.0.0.1:${port}`))
  t.match(run.stderr, /docker compose up -d/, 'says how to start one')
  t.notMatch(run.stderr + run.stdout, /\n\s+at /, 'no stack trace')
})

t.test('unreachable ledger: one clear line and a non-zero exit', async (t) => {
  const port = await freePort()
  const run = await runServerToExit({
    REDIS_URL: TEST_REDIS_URL,
    LEDGER_URL: `postgres://127.0.0.1:${port}/x`,
  })
  t.not(run.code, 0, 'exits non-zero')
  t.same(lines(run.stderr).length, 1, 'exactly one line on stderr')
  t.match(run.stderr, new RegExp(`127.0.0.1:${port}`), 'names what was tried')
  t.notMatch(run.stderr + run.stdout, /\n\s+at /, 'no stack trace')
})

t.test('invalid configuration: one line naming the variable', async (t) => {
  const run = await runServerToExit({ NODE_ENV: 'production', ADMIN_TOKEN, LEDGER_URL: '' })
  t.not(run.code, 0)
  t.same(lines(run.stderr), ['seatlock: configuration: LEDGER_URL is required when NODE_ENV=production'])
  const ttl = await runServerToExit({ HOLD_TTL_MAX_S: 'soon' })
  t.same(lines(ttl.stderr), ['seatlock: configuration: HOLD_TTL_MAX_S must be a whole number, got "soon"'])
})

t.test(
  'development start on an empty ledger creates the demo event and logs a curl line that works',
  async (t) => {
    const database = `seatlock_demo_${randomBytes(4).toString('hex')}`
    const url = new URL(PG_BASE)
    url.pathname = `/${database}`
    t.teardown(async () => {
      const admin = new pg.Client({
        connectionString: postgresConnectionString(PG_BASE.replace(/\/[^/]*$/, '/postgres')),
      })
      await admin.connect()
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
      await admin.end()
    })
    const server = await startServerProcess(t, {
      REDIS_URL: TEST_REDIS_URL,
      LEDGER_URL: url.toString(),
      KEY_PREFIX: `demo${randomBytes(4).toString('hex')}`,
      ADMIN_TOKEN: '',
    })
    await eventually('the demo event', () => /demo event created/.test(server.output()), {
      deadlineMs: 10_000,
    })
    t.match(
      server.output(),
      /ADMIN_TOKEN not set; generated one for this run: \S{20,}/,
      'the generated admin token is logged',
    )
    const curl = /try: curl -s -X POST (\S+) -H 'content-type: application\/json' -d '([^']+)'/.exec(
      server.output(),
    )
    t.ok(curl, 'a curl line is logged')
    const target = new URL(curl?.[1] ?? 'http://invalid')
    t.equal(target.origin, server.url, 'pointing at this server')
    const res = await request(server.url, 'POST', target.pathname, { raw: curl?.[2] ?? '' })
    t.equal(res.status, 201, 'the logged request takes a hold')
    const event = await request(server.url, 'GET', '/v1/events/demo')
    t.equal(event.status, 200)
    t.ok(
      event.body.sections.some((s: { held: number }) => s.held > 0),
      'the demo event shows the hold',
    )
    // The docs page's "Try it out" starts from the hold body's example: it must work as it stands (once
    // the curl line's hold of the same seats is released).
    const released = await request(server.url, 'DELETE', `/v1/events/demo/holds/${res.body.id}`, {
      token: res.body.token,
    })
    t.equal(released.status, 204)
    const doc = await request(server.url, 'GET', '/docs/json')
    const content = doc.body.paths['/v1/events/{eventId}/holds'].post.requestBody.content['application/json']
    const example = content.example ?? content.schema.example ?? content.schema.examples?.[0]
    t.ok(example, 'the hold body has an example')
    const tried = await request(server.url, 'POST', '/v1/events/demo/holds', { body: example })
    t.equal(tried.status, 201, "the OpenAPI example's hold is taken on the demo event", { body: tried.body })
  },
)
