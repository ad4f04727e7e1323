/**
 * The hot-section bench interleaves the two servers' measured runs in slices (bench/lib/slices.ts): the order
 * gives each server the same number of slices and alternates which goes first, so a steady drift of the host's
 * speed weighs the same on both; and between slices it waits until the server that just ran has finished what
 * the load generator cut off. Shown on the order itself and on real processes: one that keeps working and one
 * that works for a moment and stops.
 */
import { spawn } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import t from 'tap'
import { sliceOrder, waitQuiet } from '../bench/lib/slices.js'
import { cpuSecondsOfPid } from '../bench/lib/proc.js'

t.test('two servers run in the order A B B A A B B A, four slices each', async (t) => {
  t.same(sliceOrder(2, 4), [0, 1, 1, 0, 0, 1, 1, 0])
})

t.test('a steady drift weighs the same on both servers over each group of four slices', async (t) => {
  // A host whose speed falls steadily: the i-th slice of the round runs at 1 - 0.01 i of the start's.
  const order = sliceOrder(2, 4)
  const speed = (i: number) => 1 - 0.01 * i
  const sum = [0, 0]
  order.forEach((side, i) => (sum[side] = (sum[side] ?? 0) + speed(i)))
  t.equal(Math.abs((sum[0] ?? 0) - (sum[1] ?? 0)) < 1e-9, true, `A ${sum[0]} against B ${sum[1]}`)
  // The order A B A B … would favour A by a slice's drift each pair.
  const alternating = [0, 1, 0, 1, 0, 1, 0, 1]
  const naive = [0, 0]
  alternating.forEach((side, i) => (naive[side] = (naive[side] ?? 0) + speed(i)))
  t.ok((naive[0] ?? 0) - (naive[1] ?? 0) > 0.03, 'plain alternation is biased, which is why the order turns')
})

t.test('one server alone runs its slices one after another', async (t) => {
  t.same(sliceOrder(1, 3), [0, 0, 0])
})

/**
 * A child that spins until it has used `ms` of CPU, then sits on a timer; or spins forever (ms = -1). CPU, not
 * wall time: on a busy machine (the suite runs files side by side) it still does all its work.
 */
function child(ms: number) {
  const code =
    ms < 0
      ? 'for (;;);'
      : `const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }; ` +
        `while (cpu() < ${ms}); setInterval(() => undefined, 1000)`
  const proc = spawn(process.execPath, ['-e', code], { stdio: 'ignore' })
  t.teardown(() => {
    proc.kill('SIGKILL')
  })
  return proc
}

/**
 * Windows of 200 ms that allow 20 ms of CPU: a spinning child reads quiet only if it got under a tenth of a core
 * for a fifth of a second, which even this machine's busiest suite run does not do to it.
 */
const PATIENT = { windowMs: 200, quietCpuS: 0.02 }

t.test('the wait ends soon after a busy process stops working', async (t) => {
  const proc = child(400)
  const cpu = () => cpuSecondsOfPid(proc.pid as number)
  const started = performance.now()
  t.equal(await waitQuiet(cpu, { ...PATIENT, timeoutMs: 20_000 }), true, 'quiet')
  // It waited for the work (400 ms of CPU; /proc counts in 10 ms ticks), not for its deadline.
  t.ok(cpu() >= 0.39, `the child had used ${cpu()} s of CPU: its work was done`)
  t.ok(performance.now() - started < 15_000, 'not until the deadline')
})

t.test('a process that never stops working ends the wait at its deadline', async (t) => {
  const proc = child(-1)
  const started = performance.now()
  t.equal(
    await waitQuiet(() => cpuSecondsOfPid(proc.pid as number), { ...PATIENT, timeoutMs: 1_000 }),
    false,
    'not quiet',
  )
  t.ok(performance.now() - started >= 1_000, 'the whole deadline')
})
