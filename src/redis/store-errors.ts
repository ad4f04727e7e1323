import type { CreateRefusal, RateRefusal, SalesRefusal } from './commands/create-hold.js'
import type { HoldRefusalReason } from './commands/owned-hold.js'

/**
 * Redis could not answer now (connection lost, failover, loading, a busy script, over maxmemory): a retry
 * may succeed. The HTTP layer answers it as REDIS_UNAVAILABLE, as it answers the ledger's own.
 */
export class RedisUnavailableError extends Error {
  constructor(cause: unknown) {
    super('the hold store is unavailable', { cause })
    this.name = 'RedisUnavailableError'
  }
}

/** A token-checked script would not act on the hold: unknown, freed, confirmed or pinned, wrong token. */
export class HoldRefusedError extends Error {
  constructor(readonly reason: HoldRefusalReason) {
    super(`hold refused: ${reason}`)
    this.name = 'HoldRefusedError'
  }
}

/** Every refusal the hold store reports; the services decide the answer (src/services/store-refusals.ts). */
export type StoreRefusal =
  | CreateRefusal
  | SalesRefusal
  | RateRefusal
  | { kind: 'idempotencyReused' }
  | { kind: 'hold'; reason: HoldRefusalReason }

/** Redis said no for a reason that passes (loading, failover, busy script): the client should retry. */
const TRANSIENT_REPLY = /^(LOADING|BUSY|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|READONLY|NOREPLICAS|OOM)/

/** A failed Redis call: connection trouble is RedisUnavailableError, a script bug stays itself (a 500). */
export function storeFailure(error: unknown): Error {
  if (error instanceof Error && error.name === 'ReplyError' && !TRANSIENT_REPLY.test(error.message))
    return error
  if (error instanceof RedisUnavailableError) return error
  return new RedisUnavailableError(error)
}
