import { isIPv6 } from 'node:net'
import rateLimit from '@fastify/rate-limit'
import type { CreateRateLimitOptions, FastifyRateLimitStore } from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify'
import { Address6 } from 'ip-address'
import { Cluster } from 'ioredis'
import type { RateLimits } from '../config.js'
import type { ApiError } from '../errors.js'
import type { RedisClient } from '../redis/client.js'
import type { ActionsCounter, CreateRateLimits } from '../redis/hold-store.js'
import { holderDigest } from '../redis/keys.js'
import { refusalError } from '../services/store-refusals.js'
import { SharedCounter } from './rate-limit-counter.js'
import type { CountDone } from './rate-limit-counter.js'

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
 * Counting in Redis, failing open: no call while the connection is down (ioredis would reject at once
 * anyway, without an offline queue), a bounded wait when Redis is slow or paused, and after such a wait no
 * call for a while (the breaker), so a slow Redis is not waited on once per request. The counting itself is
 * the fixed window of @fastify/rate-limit (INCR, expiry set by the first count), done by SharedCounter, so
 * the checks of one event-loop turn, whatever their key, share one round trip. One per app: the plugin's
 * store and the hold actions' own check share its breaker.
 */
class FailOpenCounter {
  private skipUntil = 0
  private readonly counter: SharedCounter

  constructor(
    private readonly redis: RedisClient,
    checkTimeoutMs: number,
    breakerMs: number,
  ) {
    this.counter = new SharedCounter(redis, {
      timeoutMs: checkTimeoutMs,
      onTimeout: () => {
        this.skipUntil = Date.now() + breakerMs
      },
    })
  }

  incr(key: string, windowMs: number, done: CountDone): void {
    if (this.redis.status !== 'ready') return done(new Error('Redis is not connected'))
    if (this.skipUntil !== 0 && Date.now() < this.skipUntil)
      return done(new Error('Redis was too slow a moment ago'))
    this.counter.incr(key, windowMs, done)
  }
}

/**
 * A limit's counter key: one key space per limit (`<prefix>:rl:<scope>:<key>`), shared by every instance
 * on the same Redis and by every way of counting (the hold script, the plugin's store, the direct checks).
 */
function limitKey(namespace: string, scope: string, key: string): string {
  return `${namespace}${scope}:${key}`
}

/** The plugin's store over the counter, its keys made by limitKey. */
function failOpenStore(namespace: string, counter: FailOpenCounter) {
  return class FailOpenRedisStore implements FastifyRateLimitStore {
    private readonly prefix: string

    // The plugin constructs the root store with its options; children are made by `child` with a scope.
    constructor(scope: unknown) {
      this.prefix = limitKey(namespace, typeof scope === 'string' ? scope : '', '')
    }

    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow: number,
    ): void {
      counter.incr(this.prefix + key, timeWindow, callback)
    }

    child(options: Parameters<FastifyRateLimitStore['child']>[0]): FastifyRateLimitStore {
      return new FailOpenRedisStore((options as { limitScope?: unknown }).limitScope)
    }
  }
}

/**
 * A client address as every limit keys it (as @fastify/rate-limit's default key generator does): an IPv6
 * client by its /64, which one client commonly holds whole, an IPv4-mapped address as IPv4. The plugin's
 * checks are given it too, so a create counted in its script and one checked apart (on a Cluster) count a
 * client under the same name by construction.
 */
export function addressKey(ip: string): string {
  // Without a colon it is no IPv6 address: the common case (IPv4) skips isIPv6's long regular expression.
  if (!ip.includes(':') || !isIPv6(ip)) return ip.toLowerCase()
  const address = new Address6(ip)
  if (address.isMapped4()) return address.to4().correctForm()
  return new Address6(`${ip}/64`).startAddress().correctForm()
}

const clientAddress = (request: FastifyRequest) => addressKey(request.ip)

/** A check that throws 429 RATE_LIMITED when its limit is exceeded. */
export type LimitCheck = (request: FastifyRequest) => Promise<void>

export interface HoldLimits {
  /**
   * On one Redis: the counters of a hold creation (RATE_LIMIT_HOLDS_PER_MIN per client address,
   * RATE_LIMIT_HOLDS_PER_HOLDER_PER_MIN per holder), counted by the hold's own script call, so a limited hold
   * costs no round trip more than an unlimited one. Undefined for an admin's request (never limited).
   */
  createCounters?: (request: FastifyRequest, holder: string) => CreateRateLimits | undefined
  /**
   * On one Redis, first thing in a create's handler: the 429 for an address this instance knows is over
   * its limit until its window ends (no Redis call), else null. Synchronous: it runs on every create.
   */
  createGate?: (request: FastifyRequest) => ApiError | null
  /**
   * On one Redis, when a create ends in an error: a request the hold's script did not count (refused
   * before it: bad input, identity, an unknown event, a section known sold out) is counted against its
   * address apart, so every create counts, as on a Cluster; an address found over its limit is remembered
   * for the gate. A create answered 201 was always counted by its script.
   */
  createFailed?: (request: FastifyRequest) => void
  /**
   * On a Redis Cluster (the counters live in other slots than the event's): hold creations per client
   * address, checked apart, started before the body is parsed and awaited with the holder check.
   */
  createByAddress?: LimitCheck
  /** On a Redis Cluster: hold creations per holder, once the holder is known. */
  createByHolder?: (request: FastifyRequest, holder: string) => Promise<void>
  /**
   * Reads, extends, releases, confirms per client address (RATE_LIMIT_HOLD_ACTIONS_PER_MIN): an onRequest
   * hook in callback style that counts the request and refuses it with 429 once its address is over. On
   * one Redis a confirm is counted by its pin instead (confirmActions).
   */
  actionsByAddress?: onRequestHookHandler
  /**
   * On one Redis: a confirm's hold-actions counter, counted by the confirm's own pin script, so the limit
   * costs a confirm no round trip (a wait in a row of four: count, pin, ledger, finalise). Undefined for an
   * admin's request (never limited).
   */
  confirmActions?: (request: FastifyRequest) => ActionsCounter | undefined
  /**
   * On one Redis, when a confirm ends in an error before its pin counted it (bad input, no token, an
   * unknown event, Redis down): counted apart, so every confirm counts, as the hook counts the others.
   */
  confirmFailed?: (request: FastifyRequest) => void
}

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * A hold script counted this create or confirm against its limits (createCounters, confirmActions), so
     * an error after it is not counted again. Decorated (false) only while some limit is on. A request
     * decoration, not a WeakSet: every hold and confirm sets it, and a weak collection keyed by short-lived
     * requests adds work to every young-generation GC.
     */
    holdLimitCounted?: boolean
  }
}

/** The holder a request is counted under (its digest, as in hold keys: holders are up to 128 characters of anything). */
const holderOf = new WeakMap<FastifyRequest, string>()

/** Addresses remembered over their create limit at most (the oldest forgotten first). */
const OVER_LIMIT_REMEMBERED = 10_000

/** Hold creations counted by the hold's own script call, on one Redis (see HoldLimits). */
function countedByCreates(
  options: { namespace: string; limits: RateLimits; isAdmin: (r: FastifyRequest) => boolean },
  counter: FailOpenCounter,
): Pick<HoldLimits, 'createCounters' | 'createGate' | 'createFailed'> {
  const { holdsPerAddress, holdsPerHolder } = options.limits
  if (holdsPerAddress + holdsPerHolder === 0) return {}
  const addressOf = (request: FastifyRequest) =>
    limitKey(options.namespace, 'address', clientAddress(request))
  /** Address counter key → when its window ends (ms), for addresses over their limit. */
  const overUntil = new Map<string, number>()
  const remember = (key: string, leftMs: number) => {
    if (overUntil.size >= OVER_LIMIT_REMEMBERED) overUntil.delete(overUntil.keys().next().value as string)
    overUntil.set(key, Date.now() + leftMs)
  }
  return {
    createCounters: (request, holder) => {
      if (options.isAdmin(request)) return undefined
      const address = addressOf(request)
      return {
        windowMs: WINDOW_MS,
        ...(holdsPerAddress > 0 ? { address: { key: address, max: holdsPerAddress } } : {}),
        ...(holdsPerHolder > 0
          ? {
              holder: {
                key: limitKey(options.namespace, 'holder', holderDigest(holder)),
                max: holdsPerHolder,
              },
            }
          : {}),
        counted: (addressOverForMs) => {
          request.holdLimitCounted = true
          if (addressOverForMs !== undefined) remember(address, addressOverForMs)
        },
      }
    },
    ...(holdsPerAddress > 0
      ? {
          createGate: (request: FastifyRequest) => {
            if (overUntil.size === 0) return null
            const address = addressOf(request)
            const until = overUntil.get(address)
            if (until === undefined || options.isAdmin(request)) return null
            const leftMs = until - Date.now()
            if (leftMs <= 0) {
              overUntil.delete(address)
              return null
            }
            return refusalError({
              kind: 'rateLimited',
              scope: 'address',
              limit: holdsPerAddress,
              windowMs: WINDOW_MS,
              leftMs,
            })
          },
          createFailed: (request: FastifyRequest) => {
            if (request.holdLimitCounted || options.isAdmin(request)) return
            const address = addressOf(request)
            // Fire and forget: the answer is sent; a count that fails is a request not counted (fail open).
            counter.incr(address, WINDOW_MS, (error, result) => {
              if (!error && result && result.current > holdsPerAddress) remember(address, result.ttl)
            })
          },
        }
      : {}),
  }
}

/** Confirms' hold-actions limit counted by their pin script call, on one Redis (see HoldLimits). */
function countedByPins(
  options: { namespace: string; limits: RateLimits; isAdmin: (r: FastifyRequest) => boolean },
  counter: FailOpenCounter,
): Pick<HoldLimits, 'confirmActions' | 'confirmFailed'> {
  const max = options.limits.holdActionsPerAddress
  if (max === 0) return {}
  const keyOf = (request: FastifyRequest) => limitKey(options.namespace, 'actions', clientAddress(request))
  return {
    confirmActions: (request) =>
      options.isAdmin(request)
        ? undefined
        : {
            key: keyOf(request),
            max,
            windowMs: WINDOW_MS,
            counted: () => {
              request.holdLimitCounted = true
            },
          },
    confirmFailed: (request) => {
      if (request.holdLimitCounted || options.isAdmin(request)) return
      // Fire and forget: the answer is an error already; a count that fails is one not counted (fail open).
      counter.incr(keyOf(request), WINDOW_MS, () => undefined)
    },
  }
}

/**
 * The hold actions' limit, counted straight through the shared counter rather than through the plugin's
 * limiter: it runs on every read, extend, release and confirm, and the plugin's path (an async hook, the
 * limiter's promise, its key and allow-list callbacks) measured about a tenth of the server's CPU per
 * confirm in the hot-section bench. Same key as the plugin's store (`<prefix>:rl:actions:<address>`), same
 * window, the same exact count (the request waits for its place in it) and the same failing open.
 */
function actionsCheck(
  options: { namespace: string; limits: RateLimits; isAdmin: (r: FastifyRequest) => boolean },
  counter: FailOpenCounter,
): onRequestHookHandler | undefined {
  const max = options.limits.holdActionsPerAddress
  if (max === 0) return undefined
  return (request, _reply, done) => {
    if (options.isAdmin(request)) return done()
    counter.incr(
      limitKey(options.namespace, 'actions', clientAddress(request)),
      WINDOW_MS,
      (error, result) => {
        if (error || !result || result.current <= max) return done()
        done(
          refusalError({
            kind: 'rateLimited',
            scope: 'actions',
            limit: max,
            windowMs: WINDOW_MS,
            leftMs: result.ttl,
          }),
        )
      },
    )
  }
}

/**
 * Rate limits on the hold routes, fixed one-minute windows counted in Redis; a limit of 0 is off. Admin
 * requests are never limited. On one Redis a hold creation's limits are counted by the hold's own script
 * call (createCounters); on a Cluster by @fastify/rate-limit with the store above. The other hold routes'
 * limit is counted directly (actionsCheck). Every count goes through one FailOpenCounter, which fails open.
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
    /** How long checks are skipped after one timed out (default LIMIT_BREAKER_MS). */
    breakerMs?: number
  },
): Promise<HoldLimits> {
  const { limits } = options
  if (limits.holdsPerAddress + limits.holdsPerHolder + limits.holdActionsPerAddress === 0) return {}
  app.decorateRequest('holdLimitCounted', false)
  const counter = new FailOpenCounter(
    options.redis,
    options.checkTimeoutMs ?? LIMIT_CHECK_TIMEOUT_MS,
    options.breakerMs ?? LIMIT_BREAKER_MS,
  )
  await app.register(rateLimit, {
    global: false,
    store: failOpenStore(options.namespace, counter),
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
      if (!result.isAllowed && result.isExceeded)
        throw refusalError({
          kind: 'rateLimited',
          scope,
          limit: max,
          windowMs: WINDOW_MS,
          leftMs: result.ttl,
        })
    }
  }

  const actionsByAddress = actionsCheck(options, counter)
  if (!(options.redis instanceof Cluster)) {
    return {
      ...countedByCreates(options, counter),
      ...countedByPins(options, counter),
      ...(actionsByAddress ? { actionsByAddress } : {}),
    }
  }
  const byHolder = check('holder', limits.holdsPerHolder, (request) => holderOf.get(request) ?? '')
  return {
    createByAddress: check('address', limits.holdsPerAddress, clientAddress),
    ...(actionsByAddress ? { actionsByAddress } : {}),
    ...(byHolder
      ? {
          createByHolder: async (request: FastifyRequest, holder: string) => {
            holderOf.set(request, holderDigest(holder))
            await byHolder(request)
          },
        }
      : {}),
  }
}
