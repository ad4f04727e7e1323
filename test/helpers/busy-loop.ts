/**
 * Keeps the event loop busy for `ms` (no timer runs and no socket is read meanwhile), as one turn that
 * parses a burst of a thousand requests on a starved machine does.
 */
export function blockLoop(ms: number): void {
  const end = performance.now() + ms
  while (performance.now() < end);
}

/** Resolves in the next event-loop turn, after every callback and microtask of this one. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
