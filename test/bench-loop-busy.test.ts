/**
 * The bench reads each server's event-loop time through a probe it preloads (bench/lib/loop-probe.js) and
 * reports the share of a run the loop was busy. Shown on real processes: one whose loop spins reads near 1,
 * one that waits on a timer reads near 0, and a process whose loop is frozen gives no reading (an error
 * within the deadline, not a hang).
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import type { Test } from 'tap'
import { busyShare, LOOP_FILE_ENV, readLoop } from '../bench/lib/loop-busy.js'
import { eventually } from './helpers/eventually.js'

const PROBE = new URL('../bench/lib/loop-probe.js', import.meta.url).href

/**
 * The child's own code: spin (work in every turn), idle (a timer that does nothing), or freeze on a signal.
 * Each says "ready" once its handlers are set (before that a signal would end it: the probe writes its first
 * reading as it loads, ahead of this code); the freezing one says "frozen" as it stops turning. Writes to a
 * pipe are synchronous on Linux, so the word is out before the loop stops.
 */
const BEHAVIOUR = {
  spin: `const spin = () => { const end = Date.now() + 5; while (Date.now() < end); setImmediate(spin) }; spin()`,
  // A short interval: libuv counts a poll's wait as idle when a timer or I/O ends it, not a signal alone.
  idle: `setInterval(() => undefined, 50)`,
  // Stuck in one synchronous call after its first SIGHUP: its loop never turns again.
  freeze: `setInterval(() => undefined, 1000); process.on('SIGHUP', () => { process.stdout.write('frozen\\n'); const end = Date.now() + 10000; while (Date.now() < end); })`,
}

/**
 * This process's environment without tap's NODE_OPTIONS, whose TypeScript loader would come with the
 * child and keep its loop busy on its own work.
 */
function childEnv(): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _loaders, ...env } = process.env
  return env
}

async function startChild(t: Test, behaviour: keyof typeof BEHAVIOUR) {
  const dir = mkdtempSync(join(tmpdir(), 'loop-busy-'))
  const file = join(dir, 'loop.json')
  // Plain JavaScript, as the bench starts its servers: no loader comes with the child.
  const child = spawn(
    process.execPath,
    [
      '--import',
      PROBE,
      '--input-type=module',
      '-e',
      `${BEHAVIOUR[behaviour]}; process.stdout.write('ready\\n')`,
    ],
    { env: { ...childEnv(), [LOOP_FILE_ENV]: file }, stdio: ['ignore', 'pipe', 'ignore'] },
  )
  let said = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (said += chunk))
  t.teardown(() => {
    child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })
  const saidWord = (word: string) => () => {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`the ${behaviour} child exited (${child.exitCode ?? child.signalCode})`)
    return said.split('\n').includes(word)
  }
  await eventually(
    `the ${behaviour} child ready with its probe`,
    () => saidWord('ready')() && existsSync(file),
    { deadlineMs: 15_000 },
  )
  return { pid: child.pid as number, file, child, said: saidWord }
}

/** The busy share over about `ms` of the child's life, from two readings. */
async function busyOver(pid: number, file: string, ms: number): Promise<number> {
  const before = await readLoop(pid, file)
  await sleep(ms)
  return busyShare(before, await readLoop(pid, file))
}

t.test('a loop that works in every turn reads busy nearly all the time', async (t) => {
  const { pid, file } = await startChild(t, 'spin')
  const share = await busyOver(pid, file, 800)
  t.ok(share > 0.8, `busy share ${share.toFixed(2)} > 0.8`)
})

t.test('a loop that waits on a timer reads idle nearly all the time', async (t) => {
  const { pid, file } = await startChild(t, 'idle')
  const share = await busyOver(pid, file, 800)
  t.ok(share < 0.2, `busy share ${share.toFixed(2)} < 0.2`)
})

t.test('each reading is a new one: the counts only grow', async (t) => {
  const { pid, file } = await startChild(t, 'spin')
  const a = await readLoop(pid, file)
  const b = await readLoop(pid, file)
  t.ok(b.active > a.active, 'busy time grew between two readings')
  t.ok(b.active + b.idle >= a.active + a.idle, 'so did the whole')
})

t.test('a frozen loop gives no reading: an error at the deadline, not a hang', async (t) => {
  const { pid, file, child, said } = await startChild(t, 'freeze')
  child.kill('SIGHUP')
  await eventually('the child frozen', said('frozen'))
  const started = Date.now()
  await t.rejects(readLoop(pid, file, 300), /wrote no event-loop reading .* within 300 ms/)
  t.ok(Date.now() - started < 3_000, 'gave up near its deadline')
  t.ok(child.exitCode === null && child.signalCode === null, 'the child is alive, only frozen')
})

t.test('a process without the probe is not signalled (the signal would end it)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'loop-busy-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  await t.rejects(readLoop(process.pid, join(dir, 'none.json')), /has no event-loop probe/)
})

t.test('busyShare is the busy part of the time between two readings', async (t) => {
  t.equal(busyShare({ idle: 100, active: 300 }, { idle: 150, active: 450 }), 0.75)
  t.equal(busyShare({ idle: 5, active: 5 }, { idle: 5, active: 5 }), 0, 'no time between them: 0, not NaN')
})
