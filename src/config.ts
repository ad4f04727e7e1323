import { randomBytes } from 'node:crypto'

/** Service configuration, read once from the environment (see the table in README / CONTRACT). */
export interface Config {
  port: number
  host: string
  redisUrl: string
  /** `host:port` pairs; when non-empty a Redis Cluster is used instead of `redisUrl`. */
  redisClusterNodes: { host: string; port: number }[]
  /** Undefined outside production means "probe the local defaults" (see ledger/select.ts). */
  ledgerUrl: string | undefined
  /** PostgreSQL: run the confirm batch as a named prepared statement (off behind a pooler that cannot keep it). */
  pgPreparedStatements: boolean
  adminToken: string
  /** True when the admin token was generated at start-up and must be logged once. */
  adminTokenGenerated: boolean
  keyPrefix: string
  holdTtlDefaultS: number
  holdTtlMaxS: number
  holdLifetimeMaxS: number
  maxSeatsPerHold: number
  maxSeatsPerHolder: number
  /**
   * ADMIN_BODY_LIMIT_BYTES: the largest body an admin route accepts (a stadium's layout in one request);
   * public routes keep the contract's 64 KiB.
   */
  adminBodyLimitBytes: number
  /** EVENT_RETENTION_S: an event's Redis state is removed this long after its start (rebuilt on demand). */
  eventRetentionS: number
  logLevel: string
  production: boolean
  /** Origins allowed to call the API from a browser (CORS_ORIGINS); empty: CORS off; ["*"]: any origin. */
  corsOrigins: string[]
  /** METRICS_EVENTS: the events that get per-event metric series (opt-in, at most MAX_METRICS_EVENTS). */
  metricsEvents: string[]
  /**
   * Fastify's `trustProxy` (TRUST_PROXY): false (default: the client address is the TCP peer), true (trust
   * every X-Forwarded-For hop), a hop count, or the proxies' addresses / CIDR ranges.
   */
  trustProxy: boolean | number | string[]
  /** Requests per minute on the hold routes; 0 turns a limit off (see plugins/rate-limits.ts). */
  rateLimits: RateLimits
  /** Verified holder identity (HOLDER_JWT_SECRET or HOLDER_JWKS_URL); null: `holder` is what the body says. */
  holderIdentity: HolderIdentityConfig | null
}

export interface RateLimits {
  /** RATE_LIMIT_HOLDS_PER_MIN: hold creations per client address. */
  holdsPerAddress: number
  /** RATE_LIMIT_HOLDS_PER_HOLDER_PER_MIN: hold creations per holder (the verified subject when configured). */
  holdsPerHolder: number
  /** RATE_LIMIT_HOLD_ACTIONS_PER_MIN: reads, extends, releases and confirms of holds per client address. */
  holdActionsPerAddress: number
}

export interface HolderIdentityConfig {
  /** HS256 shared secret (HOLDER_JWT_SECRET), or undefined when a JWKS is used. */
  secret?: string
  /** HOLDER_JWKS_URL: the identity provider's key set (RS/ES/PS algorithms). */
  jwksUrl?: string
  /** HOLDER_JWT_ISSUER / HOLDER_JWT_AUDIENCE: checked when set. */
  issuer?: string
  audience?: string
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

type Env = Record<string, string | undefined>

/** Default of ADMIN_BODY_LIMIT_BYTES: 8 MiB. */
export const DEFAULT_ADMIN_BODY_LIMIT = 8 * 1024 * 1024

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got "${raw}"`)
  const value = Number(raw.trim())
  if (value < min || value > max)
    throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`)
  return value
}

function str(env: Env, name: string, fallback: string): string {
  const raw = env[name]
  return raw === undefined || raw.trim() === '' ? fallback : raw.trim()
}

function onOff(env: Env, name: string, fallback: boolean): boolean {
  const raw = str(env, name, fallback ? 'on' : 'off').toLowerCase()
  if (raw === 'on') return true
  if (raw === 'off') return false
  throw new ConfigError(`${name} must be "on" or "off", got "${env[name]}"`)
}

function clusterNodes(raw: string | undefined): { host: string; port: number }[] {
  if (raw === undefined || raw.trim() === '') return []
  return raw.split(',').map((entry) => {
    const match = /^\s*([^\s:]+):(\d{1,5})\s*$/.exec(entry)
    if (!match) throw new ConfigError(`REDIS_CLUSTER_NODES entries must be host:port, got "${entry}"`)
    return { host: match[1] as string, port: Number(match[2]) }
  })
}

function corsOrigins(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') return []
  const origins = raw.split(',').map((o) => o.trim().replace(/\/+$/, ''))
  if (origins.includes('*')) {
    if (origins.length > 1) throw new ConfigError('CORS_ORIGINS is either "*" or a list of origins, not both')
    return ['*']
  }
  for (const origin of origins) {
    if (!/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(origin))
      throw new ConfigError(
        `CORS_ORIGINS entries must be origins like https://shop.example.com, got "${origin}"`,
      )
  }
  return origins
}

/** Per-event series multiply by this many events at most: cardinality stays bounded by configuration. */
export const MAX_METRICS_EVENTS = 50
const EVENT_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

function metricsEvents(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') return []
  const ids = [...new Set(raw.split(',').map((id) => id.trim()))]
  for (const id of ids)
    if (!EVENT_ID.test(id)) throw new ConfigError(`METRICS_EVENTS entries must be event ids, got "${id}"`)
  if (ids.length > MAX_METRICS_EVENTS)
    throw new ConfigError(`METRICS_EVENTS lists at most ${MAX_METRICS_EVENTS} events, got ${ids.length}`)
  return ids
}

function trustProxy(raw: string | undefined): boolean | number | string[] {
  const value = raw?.trim() ?? ''
  if (value === '' || value === 'false') return false
  if (value === 'true') return true
  if (/^\d+$/.test(value)) return Number(value)
  const entries = value.split(',').map((e) => e.trim())
  for (const entry of entries) {
    if (!/^[0-9A-Fa-f.:]+(\/\d{1,3})?$/.test(entry))
      throw new ConfigError(
        `TRUST_PROXY is true, false, a hop count or a list of addresses / CIDR ranges, got "${entry}"`,
      )
  }
  return entries
}

function holderIdentity(env: Env): HolderIdentityConfig | null {
  const secret = env.HOLDER_JWT_SECRET?.trim() || undefined
  const jwksUrl = env.HOLDER_JWKS_URL?.trim() || undefined
  if (secret && jwksUrl) throw new ConfigError('Set HOLDER_JWT_SECRET or HOLDER_JWKS_URL, not both')
  if (!secret && !jwksUrl) return null
  // An HS256 secret shorter than the hash is guessable offline from any token it signed.
  if (secret && Buffer.byteLength(secret) < 32)
    throw new ConfigError('HOLDER_JWT_SECRET must be at least 32 bytes')
  if (jwksUrl && !/^https?:\/\/[^/]+/.test(jwksUrl))
    throw new ConfigError(`HOLDER_JWKS_URL must be an http(s) URL, got "${jwksUrl}"`)
  return {
    ...(secret ? { secret } : {}),
    ...(jwksUrl ? { jwksUrl } : {}),
    ...(env.HOLDER_JWT_ISSUER?.trim() ? { issuer: env.HOLDER_JWT_ISSUER.trim() } : {}),
    ...(env.HOLDER_JWT_AUDIENCE?.trim() ? { audience: env.HOLDER_JWT_AUDIENCE.trim() } : {}),
  }
}

export function loadConfig(env: Env = process.env): Config {
  const production = env.NODE_ENV === 'production'
  const ledgerUrl = env.LEDGER_URL?.trim() || undefined
  const givenAdminToken = env.ADMIN_TOKEN?.trim() || undefined

  if (production && !ledgerUrl) throw new ConfigError('LEDGER_URL is required when NODE_ENV=production')
  if (production && !givenAdminToken)
    throw new ConfigError('ADMIN_TOKEN is required when NODE_ENV=production')
  if (ledgerUrl && !/^(mongodb(\+srv)?|postgres(ql)?):\/\//.test(ledgerUrl)) {
    throw new ConfigError(
      'LEDGER_URL must start with mongodb://, mongodb+srv://, postgres:// or postgresql://',
    )
  }
  if (givenAdminToken && givenAdminToken.length < 16) {
    throw new ConfigError('ADMIN_TOKEN must be at least 16 characters')
  }

  const keyPrefix = str(env, 'KEY_PREFIX', 'seatlock')
  // The prefix becomes part of every key; braces would move keys into another cluster slot.
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(keyPrefix)) {
    throw new ConfigError('KEY_PREFIX may only use letters, digits, "_", ".", ":" and "-" (1-64 characters)')
  }

  const holdTtlMaxS = int(env, 'HOLD_TTL_MAX_S', 3600, 1, 86_400)
  const holdTtlDefaultS = int(env, 'HOLD_TTL_DEFAULT_S', 600, 1, 86_400)
  if (holdTtlDefaultS > holdTtlMaxS)
    throw new ConfigError('HOLD_TTL_DEFAULT_S must not exceed HOLD_TTL_MAX_S')
  const holdLifetimeMaxS = int(env, 'HOLD_LIFETIME_MAX_S', 7200, 1, 7 * 86_400)

  const logLevel = str(env, 'LOG_LEVEL', 'info')
  if (!LOG_LEVELS.includes(logLevel))
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`)

  return {
    port: int(env, 'PORT', 3000, 0, 65_535),
    host: str(env, 'HOST', '127.0.0.1'),
    redisUrl: str(env, 'REDIS_URL', 'redis://127.0.0.1:6379'),
    redisClusterNodes: clusterNodes(env.REDIS_CLUSTER_NODES),
    ledgerUrl,
    pgPreparedStatements: onOff(env, 'PG_PREPARED_STATEMENTS', true),
    adminToken: givenAdminToken ?? randomBytes(24).toString('base64url'),
    adminTokenGenerated: givenAdminToken === undefined,
    keyPrefix,
    holdTtlDefaultS,
    holdTtlMaxS,
    holdLifetimeMaxS,
    maxSeatsPerHold: int(env, 'MAX_SEATS_PER_HOLD', 10, 1, 1000),
    maxSeatsPerHolder: int(env, 'MAX_SEATS_PER_HOLDER', 10, 1, 100_000),
    // 100,000 labels of up to 64 characters in list form fit; a range-written stadium is far smaller.
    adminBodyLimitBytes: int(env, 'ADMIN_BODY_LIMIT_BYTES', DEFAULT_ADMIN_BODY_LIMIT, 64 * 1024, 1024 ** 3),
    eventRetentionS: int(env, 'EVENT_RETENTION_S', 86_400, 0, 10 * 365 * 86_400),
    logLevel,
    production,
    corsOrigins: corsOrigins(env.CORS_ORIGINS),
    metricsEvents: metricsEvents(env.METRICS_EVENTS),
    trustProxy: trustProxy(env.TRUST_PROXY),
    // High enough for thousands of buyers behind one NAT or carrier-grade NAT address in a rush; far below
    // what one abusive client does (760 holds/s on one connection was measured before limits existed).
    rateLimits: {
      holdsPerAddress: int(env, 'RATE_LIMIT_HOLDS_PER_MIN', 1200, 0, 100_000_000),
      holdsPerHolder: int(env, 'RATE_LIMIT_HOLDS_PER_HOLDER_PER_MIN', 60, 0, 100_000_000),
      holdActionsPerAddress: int(env, 'RATE_LIMIT_HOLD_ACTIONS_PER_MIN', 6000, 0, 100_000_000),
    },
    holderIdentity: holderIdentity(env),
  }
}
