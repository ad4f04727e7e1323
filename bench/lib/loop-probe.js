/**
 * Preloaded into every server the bench starts (`node --import`): on SIGUSR2 it writes how long the
 * process's event loop has been busy and idle so far (`performance.eventLoopUtilization()`, cumulative) to
 * the file named by BENCH_LOOP_FILE, and once when it loads, to say it is in place. The bench reads it
 * before and after a measured run (loop-busy.ts).
 *
 * Why: a Node server answers requests on one thread, so the share of a run its event loop was busy says
 * whether that thread was the ceiling (busy nearly all the time) or whether requests spent their time
 * waiting on Redis and the ledger while it idled. CPU seconds cannot tell the two apart. Nothing runs
 * between readings: a signal handler costs the server nothing while it serves.
 *
 * Plain JavaScript: it is preloaded as it is, by the bench (from dist/) and by its test (from here), into
 * processes that load no TypeScript loader; a loader's own work would read as a busy event loop.
 */
import { renameSync, writeFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import process from 'node:process'

// LOOP_FILE_ENV of loop-busy.ts; not imported, so this file needs nothing but Node.
const file = process.env.BENCH_LOOP_FILE
if (file) {
  let seq = 0
  const write = () => {
    const { idle, active } = performance.eventLoopUtilization()
    // Written whole, then renamed: the reader never sees half a reading.
    writeFileSync(`${file}.tmp`, JSON.stringify({ seq: seq++, idle, active }))
    renameSync(`${file}.tmp`, file)
  }
  process.on('SIGUSR2', write)
  // Reading 0, at once: its file says the handler is in place (a SIGUSR2 before it would end the process).
  write()
}
