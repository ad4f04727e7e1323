import t from 'tap'
import { ConfigError, loadConfig } from '../src/config.js'

t.test('defaults are the contract table', async (t) => {
  const config = loadConfig({})
  t.match(config, {
    port: 3000,
    host: '127.0.0.1',
    redisUrl: 'redis://127.0.0.1:6379',
    redisClusterNodes: [],
    ledgerUrl: undefined,
    keyPrefix: 'seatlock',
    holdTtlDefaultS: 600,
    holdTtlMaxS: 3600,
    holdLifetimeMaxS: 7200,
    maxSeatsPerHold: 10,
    maxSeatsPerHolder: 10,
    eventRetentionS: 86_400,
    adminBodyLimitBytes: 8 * 1024 * 1024,
    logLevel: 'info',
    production: false,
    adminTokenGenerated: true,
    pgPreparedStatements: true,
  })
  t.ok(config.adminToken.length >= 32, 'a random admin token is generated')
  t.not(loadConfig({}).adminToken, config.adminToken, 'a new one each start')
})

t.test('every variable is read', async (t) => {
  const config = loadConfig({
    PORT: '8080',
    HOST: '0.0.0.0',
    REDIS_URL: 'redis://cache:6380',
    REDIS_CLUSTER_NODES: 'a:7000, b:7001',
    LEDGER_URL: 'postgres://db/x',
    ADMIN_TOKEN: 'a-long-enough-admin-token',
    KEY_PREFIX: 'sl',
    HOLD_TTL_DEFAULT_S: '60',
    HOLD_TTL_MAX_S: '120',
    HOLD_LIFETIME_MAX_S: '300',
    MAX_SEATS_PER_HOLD: '4',
    MAX_SEATS_PER_HOLDER: '8',
    EVENT_RETENTION_S: '3600',
    ADMIN_BODY_LIMIT_BYTES: '1048576',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    PG_PREPARED_STATEMENTS: 'off',
  })
  t.match(config, {
    port: 8080,
    host: '0.0.0.0',
    redisUrl: 'redis://cache:6380',
    redisClusterNodes: [
      { host: 'a', port: 7000 },
      { host: 'b', port: 7001 },
    ],
    ledgerUrl: 'postgres://db/x',
    adminToken: 'a-long-enough-admin-token',
    adminTokenGenerated: false,
    keyPrefix: 'sl',
    holdTtlDefaultS: 60,
    holdTtlMaxS: 120,
    holdLifetimeMaxS: 300,
    maxSeatsPerHold: 4,
    maxSeatsPerHolder: 8,
    eventRetentionS: 3600,
    adminBodyLimitBytes: 1_048_576,
    logLevel: 'warn',
    production: true,
    pgPreparedStatements: false,
  })
  t.equal(loadConfig({ PG_PREPARED_STATEMENTS: ' ON ' }).pgPreparedStatements, true, 'on, in any case')
})

t.test('bad values are refused with a clear message', async (t) => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ NODE_ENV: 'production', ADMIN_TOKEN: 'a-long-enough-admin-token' }, /LEDGER_URL is required/],
    [{ NODE_ENV: 'production', LEDGER_URL: 'postgres://x/y' }, /ADMIN_TOKEN is required/],
    [{ PORT: 'eighty' }, /PORT must be a whole number/],
    [{ PORT: '70000' }, /PORT must be between/],
    [
      { HOLD_TTL_DEFAULT_S: '100', HOLD_TTL_MAX_S: '50' },
      /HOLD_TTL_DEFAULT_S must not exceed HOLD_TTL_MAX_S/,
    ],
    [{ MAX_SEATS_PER_HOLD: '0' }, /MAX_SEATS_PER_HOLD must be between/],
    [{ EVENT_RETENTION_S: '-1' }, /EVENT_RETENTION_S must be a whole number/],
    [{ ADMIN_BODY_LIMIT_BYTES: '1000' }, /ADMIN_BODY_LIMIT_BYTES must be between 65536/],
    [{ LEDGER_URL: 'mysql://x' }, /LEDGER_URL must start with/],
    [{ KEY_PREFIX: 'a{b}' }, /KEY_PREFIX may only use/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    [{ REDIS_CLUSTER_NODES: 'nohost' }, /REDIS_CLUSTER_NODES entries must be host:port/],
    [{ ADMIN_TOKEN: 'short' }, /ADMIN_TOKEN must be at least 16 characters/],
    [{ PG_PREPARED_STATEMENTS: 'yes' }, /PG_PREPARED_STATEMENTS must be "on" or "off", got "yes"/],
  ]
  for (const [env, message] of cases) {
    t.throws(() => loadConfig(env), { name: 'ConfigError', message }, JSON.stringify(env))
  }
  t.ok(new ConfigError('x') instanceof Error)
})

t.test('abuse controls: rate limits, TRUST_PROXY, holder identity', async (t) => {
  const defaults = loadConfig({})
  t.same(defaults.rateLimits, { holdsPerAddress: 1200, holdsPerHolder: 60, holdActionsPerAddress: 6000 })
  t.equal(defaults.trustProxy, false, 'X-Forwarded-For ignored unless configured')
  t.equal(defaults.holderIdentity, null, 'identity off by default')
  t.same(
    loadConfig({
      RATE_LIMIT_HOLDS_PER_MIN: '0',
      RATE_LIMIT_HOLDS_PER_HOLDER_PER_MIN: '5',
      RATE_LIMIT_HOLD_ACTIONS_PER_MIN: '7',
    }).rateLimits,
    { holdsPerAddress: 0, holdsPerHolder: 5, holdActionsPerAddress: 7 },
  )
  t.equal(loadConfig({ TRUST_PROXY: 'true' }).trustProxy, true)
  t.equal(loadConfig({ TRUST_PROXY: '2' }).trustProxy, 2)
  t.same(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.1' }).trustProxy, ['10.0.0.0/8', '192.168.1.1'])
  t.throws(() => loadConfig({ TRUST_PROXY: 'proxy.example' }), ConfigError)
  const secret = 'x'.repeat(32)
  t.same(loadConfig({ HOLDER_JWT_SECRET: secret, HOLDER_JWT_AUDIENCE: 'tickets' }).holderIdentity, {
    secret,
    audience: 'tickets',
  })
  t.throws(() => loadConfig({ HOLDER_JWT_SECRET: 'short' }), ConfigError, 'a guessable secret is refused')
  t.throws(
    () => loadConfig({ HOLDER_JWT_SECRET: secret, HOLDER_JWKS_URL: 'https://id.example/jwks.json' }),
    ConfigError,
    'one of the two',
  )
  t.throws(() => loadConfig({ HOLDER_JWKS_URL: 'id.example' }), ConfigError)
})
