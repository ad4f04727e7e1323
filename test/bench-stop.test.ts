/**
 * The hot-section bench stops a seated run when it has taken its section's last fresh seats (a fast server
 * would otherwise loop on refused holds and its rate would be capped by the section's size). Two parts: the
 * hold step aborts its signal at the last pair and not before, and a run given that signal ends within a
 * fraction of a second instead of running its full duration. A run of a fractional duration (a slice of the
 * interleaved rounds) likewise ends near it, not at the next whole second.
 */
import { createServer } from 'node:http'
import { performance } from 'node:perf_hooks'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import type { Request } from 'autocannon'
import { KindTimer, runLoad } from '../bench/lib/load.js'
import { seatLabels } from '../bench/lib/requests.js'
import { freshPairHolds } from '../bench/lib/fresh-pairs.js'

/** The item of the hold the step asks for next, built as autocannon would before sending it. */
function nextHoldItem(step: Request): { section: string; seats: string[] } {
  const setup = step.setupRequest as (request: Request, context: object) => Request
  const body = setup({ method: 'GET', path: '/' } as Request, {}).body as string
  return (JSON.parse(body) as { items: { section: string; seats: string[] }[] }).items[0]!
}

t.test('the hold step aborts at the last fresh pair of its sections, and not before', async (t) => {
  // 7 seats: 3 pairs (the last seat is the one the bench primes).
  const stop = new AbortController()
  const holds = freshPairHolds('e1', [{ id: 'hot', seats: seatLabels(7) }], new KindTimer(), stop)
  const taken: string[][] = []
  for (let i = 0; i < 2; i++) taken.push(nextHoldItem(holds.request).seats)
  t.equal(stop.signal.aborted, false, 'two pairs of three taken: still running')
  t.equal(holds.ranOutAt(), undefined)
  taken.push(nextHoldItem(holds.request).seats)
  t.equal(stop.signal.aborted, true, 'the third and last pair stops the run')
  t.type(holds.ranOutAt(), 'number')
  t.same(taken, [
    ['s1', 's2'],
    ['s3', 's4'],
    ['s5', 's6'],
  ])
})

t.test('two sections are taken one after the other before the step stops', async (t) => {
  const stop = new AbortController()
  const sections = [
    { id: 'warm', seats: seatLabels(5) },
    { id: 'warm2', seats: seatLabels(5) },
  ]
  const holds = freshPairHolds('e1', sections, new KindTimer(), stop)
  const order: string[] = []
  for (let i = 0; i < 4; i++) {
    order.push(nextHoldItem(holds.request).section)
    t.equal(stop.signal.aborted, i === 3, `after pair ${i + 1} of 4`)
  }
  t.same(order, ['warm', 'warm', 'warm2', 'warm2'])
})

t.test('a run whose stop signal fires ends within a sample of it, not at its duration', async (t) => {
  const server = createServer((_req, res) => res.end('ok'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const { port } = server.address() as AddressInfo
  /** GETs of one path over `connections` for `duration` seconds, stopped early by `stop` if given. */
  const getFor = (duration: number, stop?: AbortSignal) =>
    runLoad({
      label: 'stop test',
      url: `http://127.0.0.1:${port}`,
      connections: 2,
      duration,
      requests: [{ method: 'GET', path: '/' }],
      quiet: true,
      ...(stop ? { stop } : {}),
    })

  // Fired just after autocannon's first one-second sample: with one-second samples the run would go on
  // until the next (about 0.95 s later); a run that can be stopped samples every 100 ms.
  const stop = new AbortController()
  let abortedAt = 0
  const timer = setTimeout(() => {
    abortedAt = performance.now()
    stop.abort()
  }, 1_050)
  t.teardown(() => clearTimeout(timer))
  const load = await getFor(30, stop.signal)
  const lagMs = performance.now() - abortedAt
  t.equal(load.stoppedEarly, true)
  t.ok(load.requests > 0, `answered ${load.requests} requests`)
  t.ok(lagMs < 600, `ended ${Math.round(lagMs)} ms after its stop`)
  t.ok(load.durationS < 2, `its duration ${load.durationS} s of 30`)

  const early = new AbortController()
  early.abort()
  const never = await getFor(30, early.signal)
  t.equal(never.stoppedEarly, true)
  t.ok(never.durationS < 2, `a stop that fired before the run: ${never.durationS} s of 30`)

  const plain = await getFor(1)
  t.equal(plain.stoppedEarly, false, 'a run without a stop signal is not stopped early')
  // autocannon's duration is wall time rounded to 10 ms, its timer armed a little before its start.
  t.ok(plain.durationS >= 0.9, `it runs its duration: ${plain.durationS} s`)

  // A slice of the hot-section bench lasts 2.5 s: with one-second samples it would run for 3.
  const fractional = await getFor(1.3)
  t.ok(
    fractional.durationS >= 1.2 && fractional.durationS < 1.7,
    `a run of 1.3 s ends within a short sample of it: ${fractional.durationS} s`,
  )
})
