/**
 * The hot-section bench stops a seated run when it has taken its section's last fresh seats (a fast server
 * would otherwise loop on refused holds and its rate would be capped by the section's size). Two parts: the
 * hold step aborts its signal at the last pair and not before, and a run given that signal ends within a
 * fraction of a second instead of running its full duration.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import type { Request } from 'autocannon'
import { KindTimer, runLoad } from '../bench/lib/load.js'
import { seatLabels } from '../bench/lib/requests.js'
import { seatedHolds } from '../bench/scenarios/hot-section.js'

/** Builds the step's next request as autocannon would before sending it. */
function build(step: Request): Request {
  const setup = step.setupRequest as (request: Request, context: object) => Request
  return setup({ method: 'GET', path: '/' } as Request, {})
}

t.test('the hold step aborts at the last fresh pair of its sections, and not before', async (t) => {
  // 7 seats: 3 pairs (the last seat is the one the bench primes).
  const stop = new AbortController()
  const holds = seatedHolds('e1', [{ id: 'hot', seats: seatLabels(7) }], new KindTimer(), stop)
  const taken: string[][] = []
  for (let i = 0; i < 2; i++)
    taken.push(
      (JSON.parse(build(holds.request).body as string) as { items: { seats: string[] }[] }).items[0]!.seats,
    )
  t.equal(stop.signal.aborted, false, 'two pairs of three taken: still running')
  t.equal(holds.ranOutAt(), undefined)
  taken.push(
    (JSON.parse(build(holds.request).body as string) as { items: { seats: string[] }[] }).items[0]!.seats,
  )
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
  const holds = seatedHolds('e1', sections, new KindTimer(), stop)
  const order: string[] = []
  for (let i = 0; i < 4; i++) {
    order.push(
      (JSON.parse(build(holds.request).body as string) as { items: { section: string }[] }).items[0]!.section,
    )
    t.equal(stop.signal.aborted, i === 3, `after pair ${i + 1} of 4`)
  }
  t.same(order, ['warm', 'warm', 'warm2', 'warm2'])
})

t.test('a run whose stop signal fires ends then, not at its duration', async (t) => {
  const server = createServer((_req, res) => res.end('ok'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const { port } = server.address() as AddressInfo
  const stop = new AbortController()
  let sent = 0
  const step: Request = {
    method: 'GET',
    path: '/',
    setupRequest: (request: Request) => {
      if (++sent === 200) stop.abort()
      return request
    },
  }
  const started = Date.now()
  const load = await runLoad({
    label: 'stop test',
    url: `http://127.0.0.1:${port}`,
    connections: 4,
    duration: 30,
    requests: [step],
    quiet: true,
    stop: stop.signal,
  })
  t.equal(load.stoppedEarly, true)
  t.ok(load.requests >= 199, `answered ${load.requests} requests`)
  // autocannon looks at its stop flag once a sample (100 ms in a run that can be stopped).
  t.ok(Date.now() - started < 10_000, `ended after ${Date.now() - started} ms of a 30 s run`)
  t.ok(load.durationS < 10, `its duration ${load.durationS} s`)

  const plain = await runLoad({
    label: 'no stop',
    url: `http://127.0.0.1:${port}`,
    connections: 2,
    duration: 1,
    requests: [{ method: 'GET', path: '/' }],
    quiet: true,
  })
  t.equal(plain.stoppedEarly, false, 'a run without a stop signal runs its duration')
  t.ok(plain.durationS >= 1, `its duration ${plain.durationS} s`)
})
