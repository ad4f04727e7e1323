/** The errors of the ledger port (port.ts), which both adapters throw and the services read. */

/**
 * confirmBatch wrote nothing because at least one input would be refused (a seat already sold, a count
 * short, two inputs for one seat) or is invalid; confirm() of each input tells which and why.
 */
export class BatchRefusedError extends Error {
  override name = 'BatchRefusedError'
}

/** The ledger could not be reached or timed out; the caller answers 503 LEDGER_UNAVAILABLE. */
export class LedgerUnavailableError extends Error {
  override name = 'LedgerUnavailableError'
}

/** A cursor given to listReservations or listEvents is not one the adapter produced. */
export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError'
}
