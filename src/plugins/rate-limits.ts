import { createHash } from 'node:crypto'
import rateLimit from '@fastify/rate-limit'
import type { CreateRateLimitOptions, FastifyRateLimitStore } from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { RateLimits } from '../config.js'
import { apiError } from '../errors.js'
import type { RedisClient } from '../redis/client.js'
import { SharedCounter } from './rate-limit-counter.js'

/**
 * How long a limit check may wait for Redis before the request goes on unlimited. A paused Redis would
 * otherwise hold every hold request for the client's 1 s command timeout before the hold itself could
 * even try (and answer 503): limits must never turn a Redis outage into slower errors, 429s or 500s.
 */
export const LIMIT_CHECK_TIMEOUT_MS = 100

/** After a check timed out, checks are skipped this long: a slow Redis is not waited on once per request. */
export const LIMIT_BREAKER_MS = 1000

const WINDOW_MS = 60_000

export type LimitScope = 'address' | 'holder' | 'actions'

/**
 * The plugin's store, in Redis and failing open: no call while the connection is down (ioredis would
 * reject at once anyway, without an offline queue), a bounded wait when Redis is slow or paused, and one
 * key space per limit (`<prefix>:rl:<scope>:<key>`), so the counts are shared by every instance on the
 * same Redis. The counting itself is the plugin's fixed window (INCR, expiry set by the first count), done
 * by SharedCounter, so the checks of one event-loop turn, whatever their key, share one round trip.
 */
function failOpenStore(redis: RedisClient, namespace: string, checkTimeoutMs: number) {
  let skipUntil = 0
  const counter = new SharedCounter(redis)
  return class FailOpenRedisStore implements FastifyRateLimitStore {
    private readonly prefix: string

    // The plugin constructs the root store with its options; children are made by `child` with a scope.
    constructor(scope: unknown) {
      this.prefix = `${namespace}${typeof scope === 'string' ? scope : ''}:`
    }

    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow: number,
    ): void {
      if (redis.status !== 'ready') return callback(new Error('Redis is not connected'))
      if (skipUntil !== 0 && Date.now() < skipUntil)
        return callback(new Error('Redis was too slow a moment ago'))
      let settled = false
      const timer = setTimeout(() => {
        settled = true
        skipUntil = Date.now() + LIMIT_BREAKER_MS
        callback(new Error('Redis did not answer the rate limit check in time'))
      }, checkTimeoutMs)
      counter.incr(this.prefix + key, timeWindow, (error, result) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        callback(error, result)
      })
    }

    child(options: Parameters<FastifyRateLimitStore['child']>[0]): FastifyRateLimitStore {
      return new FailOpenRedisStore((options as { limitScope?: unknown }).limitScope)
    }
  }
}

/** A check that throws 429 RATE_LIMITED when its limit is exceeded. */
export type LimitCheck = (request: FastifyRequest) => Promise<void>

export interface HoldLimits {
  /**
   * Hold creations per client address (RATE_LIMIT_HOLDS_PER_MIN): started before the body is parsed,
   * awaited with the holder check.
   */
  createByAddress?: LimitCheck
  /** Hold creations per holder (RATE_LIMIT_HOLDS_PER_HOLDER_PER_MIN), once the holder is known. */
  createByHolder?: (request: FastifyRequest, holder: string) => Promise<void>
  /** Reads, extends, releases, confirms per client address (RATE_LIMIT_HOLD_ACTIONS_PER_MIN). */
  actionsByAddress?: LimitCheck
}

/** The holder a request is counted under (a hash: holders are up to 128 characters of anything). */
const holderOf = new WeakMap<FastifyRequest, string>()

/**
 * Rate limits on the hold routes with @fastify/rate-limit and its Redis store. Fixed one-minute windows;
 * a limit of 0 is off. Admin requests are never limited. Every check fails open (see failOpenStore).
 */
export async function registerHoldLimits(
  app: FastifyInstance,
  options: {
    redis: RedisClient
    namespace: string
    limits: RateLimits
    isAdmin: (r: FastifyRequest) => boolean
    /** How long a check may wait for Redis before failing open (default LIMIT_CHECK_TIMEOUT_MS). */
    checkTimeoutMs?: number
  },
): Promise<HoldLimits> {
  const { limits } = options
  if (limits.holdsPerAddress + limits.holdsPerHolder + limits.holdActionsPerAddress === 0) return {}
  await app.register(rateLimit, {
    global: false,
    store: failOpenStore(options.redis, options.namespace, options.checkTimeoutMs ?? LIMIT_CHECK_TIMEOUT_MS),
    skipOnError: true,
    timeWindow: WINDOW_MS,
  })

  const check = (scope: LimitScope, max: number, keyGenerator?: (r: FastifyRequest) => string) => {
    if (max === 0) return undefined
    // `limitScope` rides along in the merged options the plugin hands to the store's `child`.
    const settings = {
      max,
      timeWindow: WINDOW_MS,
      skipOnError: true,
      allowList: (request: FastifyRequest) => options.isAdmin(request),
      limitScope: scope,
      ...(keyGenerator ? { keyGenerator } : {}),
    }
    const limiter = app.createRateLimit(settings as CreateRateLimitOptions)
    return async (request: FastifyRequest): Promise<void> => {
      const result = await limiter(request)
      if (!result.isAllowed && result.isExceeded) {
        const error = apiError('RATE_LIMITED', {
          scope,
          limit: max,
          windowSeconds: WINDOW_MS / 1000,
        })
        error.retryAfterS = result.ttlInSeconds
        throw error
      }
    }
  }

  const byHolder = check('holder', limits.holdsPerHolder, (request) => holderOf.get(request) ?? '')
  return {
    createByAddress: check('address', limits.holdsPerAddress),
    actionsByAddress: check('actions', limits.holdActionsPerAddress),
    ...(byHolder
      ? {
          createByHolder: async (request: FastifyRequest, holder: string) => {
            holderOf.set(request, createHash('sha256').update(holder).digest('base64url').slice(0, 22))
            await byHolder(request)
          },
        }
      : {}),
  }
}
