import { LedgerUnavailableError } from './port.js'

/**
 * Error classes are matched by name, not instanceof: mongoose and the driver may each be loaded more
 * than once (ESM + CJS copies), and mongoose wraps some driver errors in its own classes.
 */
const UNAVAILABLE_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoClientClosedError',
  'MongoServerClosedError',
  'MongoOperationTimeoutError',
  'MongoPoolClearedError',
  'PoolClearedOnNetworkError',
  'MongoPoolClosedError',
  'MongoWaitQueueTimeoutError',
  'MongoWriteConcernError',
])

/** Server error codes meaning "not reachable right now / no primary / timed out". */
const UNAVAILABLE_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  24, // LockTimeout
  50, // MaxTimeMSExpired
  64, // WriteConcernFailed (wtimeout)
  89, // NetworkTimeout
  91, // ShutdownInProgress
  112, // WriteConflict (still conflicting after the retry budget)
  189, // PrimarySteppedDown
  251, // NoSuchTransaction
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
])

function field(err: unknown, name: string): unknown {
  return typeof err === 'object' && err !== null ? (err as Record<string, unknown>)[name] : undefined
}

export function hasErrorLabel(err: unknown, label: string): boolean {
  const hasLabel = field(err, 'hasErrorLabel')
  if (typeof hasLabel === 'function') return Boolean((hasLabel as (l: string) => unknown).call(err, label))
  const labels = field(err, 'errorLabels')
  return Array.isArray(labels) && labels.includes(label)
}

/** A network / server-selection / closed-client failure: retrying in-process would only queue requests. */
export function isMongoUnreachable(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  if (err instanceof LedgerUnavailableError) return true
  if (
    UNAVAILABLE_NAMES.has(err.name) &&
    err.name !== 'MongoWriteConcernError' &&
    err.name !== 'MongoOperationTimeoutError'
  ) {
    return true
  }
  const cause = field(err, 'cause')
  if (cause instanceof Error && cause !== err && isMongoUnreachable(cause)) return true
  // insertMany wraps a dropped connection in a MongoBulkWriteError that keeps the original here.
  const original = field(err, 'errorResponse')
  return original instanceof Error && original !== err && isMongoUnreachable(original)
}

/**
 * The server itself is gone or frozen (network, server selection, a pool cleared by the monitor), as
 * opposed to our own pool being busy: only then is waiting for an abort pointless.
 */
export function isMongoServerGone(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  if (err.name === 'MongoWaitQueueTimeoutError') return false
  const original = field(err, 'errorResponse')
  if (original instanceof Error && original !== err) return isMongoServerGone(original)
  return isMongoUnreachable(err)
}

/** True when the failure is about reaching / using the server, not about the data (answer 503). */
export function isMongoUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  if (isMongoUnreachable(err)) return true
  if (UNAVAILABLE_NAMES.has(err.name)) return true
  const code = field(err, 'code')
  if (typeof code === 'number' && UNAVAILABLE_CODES.has(code)) return true
  // Retry budget exhausted on a transient failure (write conflicts, elections...): the ledger is busy.
  return (
    hasErrorLabel(err, 'TransientTransactionError') || hasErrorLabel(err, 'UnknownTransactionCommitResult')
  )
}

/** E11000 from insertOne (MongoServerError) or insertMany (MongoBulkWriteError with writeErrors). */
export function isDuplicateKey(err: unknown): boolean {
  const code = field(err, 'code')
  if (code === 11000 || code === 11001) return true
  const writeErrors = field(err, 'writeErrors')
  return Array.isArray(writeErrors) && writeErrors.some((e) => field(e, 'code') === 11000)
}

/** The key pattern of a duplicate-key error, when the server reported it (e.g. { holdId: 1 }). */
export function duplicateKeyPattern(err: unknown): Record<string, unknown> | undefined {
  const direct = field(err, 'keyPattern')
  if (typeof direct === 'object' && direct !== null) return direct as Record<string, unknown>
  const writeErrors = field(err, 'writeErrors')
  if (Array.isArray(writeErrors)) {
    for (const e of writeErrors) {
      const pattern = field(field(e, 'err'), 'keyPattern') ?? field(e, 'keyPattern')
      if (typeof pattern === 'object' && pattern !== null) return pattern as Record<string, unknown>
    }
  }
  return undefined
}

export function mapMongoError(err: unknown): unknown {
  if (err instanceof LedgerUnavailableError) return err
  if (isMongoUnavailable(err)) {
    const message = err instanceof Error ? err.message : String(err)
    return new LedgerUnavailableError(`mongodb unavailable: ${message}`, { cause: err })
  }
  return err
}
