import t from 'tap'
import { allOk, Coalescer } from '../../src/lib/coalesce.js'
import { nextTurn } from '../helpers/busy-loop.js'

t.test('a lone call runs at once, alone', async (t) => {
  const runs: string[][] = []
  const c = new Coalescer<string, string>(async (_key, items) => {
    runs.push(items)
    return allOk(items.map((i) => i.toUpperCase()))
  })
  t.equal(await c.submit('e', 'a'), 'A')
  t.same(runs, [['a']])
})

/** A run that records its items and waits until the test lets it finish. */
function heldRuns(options: { max?: number; concurrency?: number } = {}) {
  const runs: number[][] = []
  const release: (() => void)[] = []
  let inFlight = 0
  let most = 0
  const c = new Coalescer<number, number>(async (_key, items) => {
    inFlight++
    most = Math.max(most, inFlight)
    runs.push(items)
    await new Promise<void>((resolve) => release.push(resolve))
    inFlight--
    return allOk(items.map((i) => i * 10))
  }, options)
  /** Lets every run finish, and those that start meanwhile, until nothing is in flight. */
  const finish = async () => {
    for (;;) {
      await nextTurn()
      if (release.length === 0) return
      for (const r of release.splice(0)) r()
    }
  }
  /** Lets the runs in flight now finish. */
  const releaseNow = () => {
    for (const r of release.splice(0)) r()
  }
  return { c, runs, finish, releaseNow, most: () => most }
}

t.test('calls made in one microtask pass share one run, at most max, answered in order', async (t) => {
  const { c, runs, finish } = heldRuns({ max: 100 })
  const calls = Array.from({ length: 250 }, (_, i) => c.submit('e', i))
  t.same(runs, [], 'nothing runs before the pass’s microtasks have run')
  await finish()
  t.same(
    await Promise.all(calls),
    Array.from({ length: 250 }, (_, i) => i * 10),
    'each call gets its own answer',
  )
  t.same(
    runs.map((r) => r.length),
    [100, 100, 50],
    'the pass’s calls went together, in runs of at most 100 (the first did not run alone)',
  )
})

t.test('calls released together by one promise reach one run', async (t) => {
  // As the confirms of one ledger batch go on to finalise: each continues through a few awaits first.
  const { c, runs, finish } = heldRuns()
  let open: () => void = () => undefined
  const gate = new Promise<void>((resolve) => (open = resolve))
  const calls = Array.from({ length: 9 }, async (_, i) => {
    await gate
    await Promise.resolve()
    return c.submit('e', i)
  })
  open()
  await finish()
  t.same(await Promise.all(calls), [0, 10, 20, 30, 40, 50, 60, 70, 80])
  t.same(runs, [[0, 1, 2, 3, 4, 5, 6, 7, 8]], 'one run for all nine')
})

t.test('calls that arrive while a run is in flight share the next run', async (t) => {
  const { c, runs, finish } = heldRuns()
  const first = c.submit('e', 1)
  await nextTurn()
  t.same(runs, [[1]], 'a lone call started its run in its own turn')
  const later = [c.submit('e', 2), c.submit('e', 3)]
  await nextTurn()
  const last = c.submit('e', 4)
  await finish()
  t.same(await Promise.all([first, ...later, last]), [10, 20, 30, 40])
  t.same(runs, [[1], [2, 3, 4]], 'the three that came during the first run went together after it')
})

t.test('a failed run fails only the calls it carried; keys do not wait for each other', async (t) => {
  let fail = true
  const c = new Coalescer<string, string>(async (key, items) => {
    await nextTurn()
    if (key === 'bad' && fail) {
      fail = false
      throw new Error('down')
    }
    return allOk(items)
  })
  const status = (p: Promise<string>) =>
    p.then(
      () => 'fulfilled',
      () => 'rejected',
    )
  const x = status(c.submit('bad', 'x'))
  const z = status(c.submit('good', 'z'))
  await nextTurn()
  const y = status(c.submit('bad', 'y'))
  t.same(
    await Promise.all([x, y, z]),
    ['rejected', 'fulfilled', 'fulfilled'],
    'x failed with its run; y, which came while it ran, ran next; z ran on its own key',
  )
})

t.test('with concurrency 2 a second run starts while the first is in flight, never a third', async (t) => {
  const { c, runs, finish, most } = heldRuns({ max: 100, concurrency: 2 })
  const calls = [c.submit('e', 0)]
  await nextTurn()
  calls.push(c.submit('e', 1))
  await nextTurn()
  t.same(
    runs.map((r) => r.length),
    [1, 1],
    'two runs in flight at once, one per turn',
  )
  for (let i = 2; i < 50; i++) calls.push(c.submit('e', i))
  await finish()
  t.equal((await Promise.all(calls)).length, 50, 'every call answered')
  t.equal(most(), 2, 'never more than two runs in flight')
  t.same(
    runs.map((r) => r.length),
    [1, 1, 48],
    'the calls that waited went together in the next run',
  )
})

t.test('with concurrency 2: no run starts empty, and one pass fills every free run', async (t) => {
  const { c, runs, finish, releaseNow, most } = heldRuns({ max: 10, concurrency: 2 })
  const calls = [c.submit('e', 0)]
  await nextTurn()
  // In one microtask pass a call reserves the free run and the run in flight ends: the ending run takes the
  // call, and the reserved start finds nothing left (it used to run with no items).
  calls.push(c.submit('e', 1))
  releaseNow()
  await finish()
  t.same(runs, [[0], [1]], 'the call went with the run that ended; no empty run')
  runs.length = 0
  for (let i = 2; i < 27; i++) calls.push(c.submit('e', i))
  await nextTurn()
  t.same(
    runs.map((r) => r.length),
    [10, 10],
    'more than max in one pass: both runs started at once',
  )
  await finish()
  t.same(
    runs.map((r) => r.length),
    [10, 10, 5],
  )
  t.equal(most(), 2, 'never more than two in flight')
  t.equal((await Promise.all(calls)).length, 27, 'every call answered')
})
