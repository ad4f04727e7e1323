/**
 * The compose file and the image, as a new user meets them. No Docker engine runs on the project's own
 * machines, so `docker compose config` runs in the hosted CI workflow; here the file is read as YAML and
 * checked for what made it fail before: an app profile that could not start (production needs an admin
 * token), a MongoDB healthcheck slow to initiate the replica set, and an image shipping the benchmarks.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { parse } from 'yaml'
import { loadConfig } from '../src/config.js'
import { ROOT_DIR } from '../src/paths.js'

interface Service {
  image?: string
  profiles?: string[]
  environment?: Record<string, string>
  ports?: string[]
  healthcheck?: { test: unknown; interval?: string; start_interval?: string }
  depends_on?: Record<string, { condition: string }>
  command?: string[]
}

t.test('docker-compose.yml', async (t) => {
  const doc = parse(await readFile(join(ROOT_DIR, 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, Service>
  }
  const { redis, mongo, app } = doc.services
  t.ok(redis?.healthcheck && mongo?.healthcheck, 'redis and mongo have healthchecks (for --wait)')
  t.equal(mongo?.healthcheck?.start_interval, '1s', 'the replica set is initiated within a second or two')
  t.notOk(
    JSON.stringify(redis?.command ?? []).includes('notify-keyspace-events'),
    'no keyspace notifications',
  )
  for (const [name, service] of Object.entries(doc.services))
    for (const port of service.ports ?? [])
      t.match(port, /^127\.0\.0\.1:/, `${name} listens on localhost only`)

  t.same(app?.profiles, ['app'])
  t.same(app?.depends_on, {
    redis: { condition: 'service_healthy' },
    mongo: { condition: 'service_healthy' },
  })
  // The image runs with NODE_ENV=production: the app's environment must load as a production config.
  const token = /^\$\{ADMIN_TOKEN:-(.+)\}$/.exec(app?.environment?.ADMIN_TOKEN ?? '')?.[1]
  t.ok(token, 'ADMIN_TOKEN comes from the environment, with a documented default')
  const env = { ...app?.environment, ADMIN_TOKEN: token, NODE_ENV: 'production' }
  t.doesNotThrow(() => loadConfig(env), 'the app profile starts: its settings load in production')
  const readme = await readFile(join(ROOT_DIR, 'README.md'), 'utf8')
  t.ok(token !== undefined && readme.includes(token), 'the README documents the default token')
  t.match(readme, /docker compose up -d --wait/, 'the README waits for healthy services')
})

t.test('the production image holds only what runs', async (t) => {
  const dockerfile = await readFile(join(ROOT_DIR, 'Dockerfile'), 'utf8')
  t.notMatch(dockerfile, /COPY\s+(bench|test)\b/, 'no benchmarks or tests copied in')
  t.match(dockerfile, /tsconfig\.image\.json/, 'built from src only')
  t.match(dockerfile, /npm prune --omit=dev/, 'without development dependencies')
  t.match(dockerfile, /COPY --from=build \/app\/dist\/src \.\/dist\/src/, 'only the service is copied over')
  const ignore = await readFile(join(ROOT_DIR, '.dockerignore'), 'utf8')
  for (const entry of ['node_modules', '.git']) t.match(ignore, new RegExp(`^${entry}$`, 'm'))
})
