import type { Socket } from 'node:net'

/**
 * Most writes a batch holds (each a command, or a whole pipeline). Once a turn has issued this many on a
 * connection they leave at once, and the turn's later commands start the next batch: Redis, on another
 * core, starts on them while the turn goes on, instead of waiting for a turn that handles fifty requests to
 * end and then answering all of them at once. In the hot-section bench (2 cores, 50 connections), holding
 * every command to the end of the turn cost about a quarter of the pin's round trip (2.9 ms against 2.2)
 * and 0.06 to 0.14 of the ratio to the reference; 8 writes a batch keep nearly all of the syscalls saved.
 */
export const WRITE_BATCH_MAX = 8

/**
 * Batches a connection's command writes: the first write of a batch corks the socket, and the batch
 * leaves (uncork: one writev) when it holds WRITE_BATCH_MAX writes or, at the latest, when a setImmediate
 * runs at the end of the turn. So the commands issued while a turn handles its ready I/O (the Redis calls
 * of many requests parsed in the same turn) leave in a few writes instead of one write syscall each. On a
 * busy server those syscalls were the largest single cost of a request (about a sixth of its CPU).
 *
 * Why not ioredis's `enableAutoPipelining`: it keeps one pipeline in flight per connection, so with
 * Redis frozen every request waited for the previous pipeline's command timeout before its own (2 s,
 * not fail fast). Corking only delays the bytes, to the end of the turn at most: ioredis still tracks,
 * times out and answers every command on its own, so nothing about failure changes.
 */
export function batchWrites(socket: Socket): void {
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean
  let corked = false
  let held = 0
  /** One end-of-turn flush at a time: it sends whatever batch is corked when it runs. */
  let flushPending = false
  const send = (): void => {
    corked = false
    // A socket closed meanwhile has dropped its buffer already; uncorking it is harmless.
    socket.uncork()
  }
  const flush = (): void => {
    flushPending = false
    if (corked) send()
  }
  // Replaced on this one socket only: ioredis writes each command (or a whole pipeline) with `stream.write`.
  socket.write = ((...args: unknown[]): boolean => {
    if (!corked) {
      corked = true
      held = 0
      socket.cork()
      if (!flushPending) {
        flushPending = true
        setImmediate(flush)
      }
    }
    const accepted = write(...args)
    if (++held >= WRITE_BATCH_MAX) send()
    return accepted
  }) as Socket['write']
}
