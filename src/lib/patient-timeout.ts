/**
 * Timeouts that a busy event loop cannot fire by mistake.
 *
 * Node runs due timers at the start of an event-loop turn, before the turn reads its sockets. When one
 * turn is long (a burst of a thousand requests parsed at once on a starved machine), a 1 s timeout can
 * come due while its answer already sits unread in the socket, and the timer runs first: a dependency
 * that answered in a millisecond is reported unreachable, and every request that waited on it gets a 503.
 * Measured: with 2 ms more work per confirm, 2,000 simultaneous confirms over two processes got 1,058
 * such 503s.
 *
 * Here, once the time is up, the verdict waits one more turn: setImmediate runs after that turn has read
 * what its sockets hold, so only an answer that has really not arrived counts as a timeout. A dependency
 * that is gone still fails within the time plus one turn.
 */

/** Calls `expire` once `ms` have passed and the event loop has since read its sockets; returns a cancel. */
export function patientTimeout(ms: number, expire: () => void): () => void {
  let immediate: NodeJS.Immediate | undefined
  const timer = setTimeout(() => {
    immediate = setImmediate(expire)
  }, ms)
  return () => {
    clearTimeout(timer)
    if (immediate !== undefined) clearImmediate(immediate)
  }
}

/**
 * `work`, or `timedOut()` if it has not settled within `ms` (patiently, as above). When it settles
 * after the verdict, `late` gets its value (e.g. to give back a pooled connection nobody waits for);
 * a late failure is dropped, since the caller has its answer.
 */
export function withinTime<T>(
  work: Promise<T>,
  ms: number,
  timedOut: () => Error,
  late: (value: T) => void = () => undefined,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let decided = false
    const cancel = patientTimeout(ms, () => {
      decided = true
      reject(timedOut())
    })
    work.then(
      (value) => {
        if (decided) return late(value)
        cancel()
        resolve(value)
      },
      (error: unknown) => {
        if (decided) return
        cancel()
        reject(error)
      },
    )
  })
}
