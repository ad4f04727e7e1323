import t from 'tap'
import { allOk, Coalescer } from '../../src/lib/coalesce.js'

t.test('a lone call runs at once, alone', async (t) => {
  const runs: string[][] = []
  const c = new Coalescer<string, string>(async (_key, items) => {
    runs.push(items)
    return allOk(items.map((i) => i.toUpperCase()))
  })
  t.equal(await c.submit('e', 'a'), 'A')
  t.same(runs, [['a']])
})

t.test('calls that arrive while a run is in flight share the next run, answered in order', async (t) => {
  const runs: string[][] = []
  const c = new Coalescer<number, number>(
    async (_key, items) => {
      runs.push(items.map(String))
      await new Promise((resolve) => setImmediate(resolve))
      return allOk(items.map((i) => i * 10))
    },
    { max: 100 },
  )
  const answers = await Promise.all(Array.from({ length: 250 }, (_, i) => c.submit('e', i)))
  t.same(
    answers,
    Array.from({ length: 250 }, (_, i) => i * 10),
    'each call gets its own answer',
  )
  t.same(
    runs.map((r) => r.length),
    [1, 100, 100, 49],
    'the first alone, the rest in runs of at most 100',
  )
})

t.test('a failed run fails only the calls it carried; keys do not wait for each other', async (t) => {
  let fail = true
  const c = new Coalescer<string, string>(async (key, items) => {
    await new Promise((resolve) => setImmediate(resolve))
    if (key === 'bad' && fail) {
      fail = false
      throw new Error('down')
    }
    return allOk(items)
  })
  const settled = await Promise.allSettled([
    c.submit('bad', 'x'),
    c.submit('bad', 'y'),
    c.submit('good', 'z'),
  ])
  t.same(
    settled.map((s) => s.status),
    ['rejected', 'fulfilled', 'fulfilled'],
    'x failed with its run; y ran next; z ran on its own key',
  )
})

t.test('with concurrency 2 a second run starts while the first is in flight, never a third', async (t) => {
  let inFlight = 0
  let most = 0
  const runs: number[] = []
  const release: (() => void)[] = []
  const c = new Coalescer<number, number>(
    async (_key, items) => {
      inFlight++
      most = Math.max(most, inFlight)
      runs.push(items.length)
      await new Promise<void>((resolve) => release.push(resolve))
      inFlight--
      return allOk(items)
    },
    { max: 100, concurrency: 2 },
  )
  const all = Promise.all(Array.from({ length: 50 }, (_, i) => c.submit('e', i)))
  // The first two calls started runs of their own; the other 48 wait for the next free run.
  t.same(runs, [1, 1], 'two runs in flight at once')
  while (runs.length < 3 || release.length > 0) {
    release.shift()?.()
    await new Promise((resolve) => setImmediate(resolve))
  }
  const answers = await all
  t.equal(answers.length, 50, 'every call answered')
  t.equal(most, 2, 'never more than two runs in flight')
  t.same(runs, [1, 1, 48], 'the calls that waited went together in the next run')
})
