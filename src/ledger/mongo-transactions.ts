/**
 * MongoDB transactions run in our own loop instead of connection.transaction() / session.withTransaction():
 * those retry every TransientTransactionError for up to 120 s, and the driver labels network and
 * server-selection errors inside a transaction as transient, so a dead server would hold a request for
 * two minutes. Here write conflicts are retried (with jittered backoff) within a few seconds, while
 * "cannot reach the server" fails at once.
 */
import type { ClientSession, Connection, mongo } from 'mongoose'
import { hasErrorLabel, isMongoServerGone, isMongoUnreachable } from './mongo-errors.js'

const TXN_OPTIONS: mongo.TransactionOptions = {
  readConcern: { level: 'snapshot' },
  writeConcern: { w: 'majority' },
  readPreference: 'primary',
  maxCommitTimeMS: 3000,
}
/** Time spent retrying write conflicts / transient errors before giving up with LedgerUnavailableError. */
const TXN_RETRY_BUDGET_MS = 5000
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

function backoffMs(attempt: number): number {
  return Math.random() * Math.min(5 * 1.5 ** attempt, 250)
}

/**
 * One multi-document transaction (snapshot reads, majority writes, primary). Retries the whole callback
 * on TransientTransactionError (write conflicts) and the commit on UnknownTransactionCommitResult, within
 * TXN_RETRY_BUDGET_MS; errors from an unreachable server are thrown at once. The callback must not
 * catch errors of the operations it runs.
 */
export async function runTransaction<T>(
  conn: Connection,
  fn: (session: ClientSession) => Promise<T>,
): Promise<T> {
  const session = await conn.startSession()
  const deadline = Date.now() + TXN_RETRY_BUDGET_MS
  let serverGone = false
  try {
    attempts: for (let attempt = 0; ; attempt++) {
      if (attempt > 0) await sleep(backoffMs(attempt))
      session.startTransaction(TXN_OPTIONS)
      let result: T
      try {
        result = await fn(session)
      } catch (err) {
        serverGone = isMongoServerGone(err)
        if (session.inTransaction()) {
          const aborting = session.abortTransaction().catch(() => undefined)
          // Aborting on a server we cannot reach waits for it (seconds); the server drops the
          // transaction by itself, so answer now and let the abort finish in the background. (A busy
          // pool is not that: there the abort is awaited, so the transaction's writes go at once.)
          if (!serverGone) await aborting
        }
        if (
          hasErrorLabel(err, 'TransientTransactionError') &&
          !isMongoUnreachable(err) &&
          Date.now() < deadline
        ) {
          continue attempts
        }
        throw err
      }
      for (;;) {
        try {
          await session.commitTransaction()
          return result
        } catch (err) {
          serverGone = isMongoServerGone(err)
          const code = (err as { code?: unknown }).code
          const canRetry = !isMongoUnreachable(err) && Date.now() < deadline
          // 50 = MaxTimeMSExpired: maxCommitTimeMS ran out; retrying would only wait longer.
          if (canRetry && hasErrorLabel(err, 'UnknownTransactionCommitResult') && code !== 50) continue
          if (canRetry && hasErrorLabel(err, 'TransientTransactionError')) continue attempts
          throw err
        }
      }
    }
  } finally {
    const ending = session.endSession().catch(() => undefined)
    if (!serverGone) await ending
  }
}
