/**
 * When the seat map page re-reads the seat map (ui/assets/lib/refresh.js): reads one at a time, at most
 * one per gap, each covering every section marked since the last began. Driven by a hand-turned clock.
 */
import t from 'tap'
import { RefreshScheduler } from '../../ui/assets/lib/refresh.js'

function harness(minGapMs = 200) {
  let now = 0
  const timers: { at: number; run: () => void }[] = []
  const reads: (string[] | 'all')[] = []
  let finish: ((ok: boolean) => void) | undefined
  const scheduler = new RefreshScheduler({
    minGapMs,
    wholeMapAbove: 2,
    retryMs: 1000,
    now: () => now,
    setTimer: (run, ms) => void timers.push({ at: now + ms, run }),
    read: (target) => {
      reads.push(target)
      return new Promise<void>((resolve, reject) => {
        finish = (ok) => (ok ? resolve() : reject(new Error('503')))
      })
    },
  })
  return {
    scheduler,
    reads,
    /** Moves the clock and runs the timers due. */
    async advance(ms: number) {
      now += ms
      for (const timer of timers.filter((x) => x.at <= now)) {
        timers.splice(timers.indexOf(timer), 1)
        timer.run()
      }
      await Promise.resolve()
    },
    async complete(ok = true) {
      finish?.(ok)
      finish = undefined
      // Let the read's continuation run.
      for (let i = 0; i < 5; i++) await Promise.resolve()
    },
    timers,
  }
}

t.test('changes in a burst cost one read; more changes during it, one more read after the gap', async (t) => {
  const h = harness()
  h.scheduler.mark(['a'])
  h.scheduler.mark(['a'])
  h.scheduler.mark(['b'])
  await h.advance(0)
  t.same(h.reads, [['a', 'b']], 'one read of both sections')
  h.scheduler.mark(['c'])
  await h.advance(500)
  t.equal(h.reads.length, 1, 'no second read while the first runs')
  await h.complete()
  t.equal(h.reads.length, 1, 'the next waits for its turn')
  await h.advance(0)
  t.same(h.reads[1], ['c'], 'then what changed meanwhile')
  await h.complete()
  h.scheduler.mark(['a'])
  await h.advance(100)
  t.equal(h.reads.length, 2, 'not within the gap since the last read began')
  await h.advance(100)
  t.same(h.reads[2], ['a'], 'at the gap')
  t.equal(h.scheduler.reads, 3)
})

t.test('many sections, or "all", read the whole map', async (t) => {
  const h = harness()
  h.scheduler.mark(['a', 'b', 'c'])
  await h.advance(0)
  t.same(h.reads, ['all'])
  await h.complete()
  h.scheduler.mark('all')
  await h.advance(200)
  t.same(h.reads[1], 'all')
})

t.test('a failed read is tried again later, with what changed meanwhile', async (t) => {
  const h = harness()
  h.scheduler.mark(['a'])
  await h.advance(0)
  h.scheduler.mark(['b'])
  await h.complete(false)
  await h.advance(500)
  t.equal(h.reads.length, 1, 'not at once')
  await h.advance(500)
  t.same(h.reads[1], ['b', 'a'], 'after the retry pause, both')
  t.equal(h.scheduler.pending, false)
})
