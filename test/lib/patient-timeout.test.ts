/**
 * A timeout must not fire while its answer sits unread in a socket because the event loop was busy: that
 * is a busy process, not an unreachable dependency. These tests block the loop past the timeout right
 * after asking a real peer (Redis, spoken to over a raw socket), which answers at once.
 */
import { once } from 'node:events'
import { connect } from 'node:net'
import type { Socket } from 'node:net'
import t from 'tap'
import type { Test } from 'tap'
import { patientTimeout, withinTime } from '../../src/lib/patient-timeout.js'
import { TEST_REDIS_URL } from '../helpers/app.js'
import { blockLoop } from '../helpers/busy-loop.js'

/**
 * A connection to the test Redis, spoken to raw: the peer must be another process, which answers while
 * this one is blocked (a peer in this process could not).
 */
async function redisPeer(t: Test): Promise<{ ask: () => Promise<string> }> {
  const url = new URL(TEST_REDIS_URL)
  const socket: Socket = connect(Number(url.port || 6379), url.hostname)
  await once(socket, 'connect')
  t.teardown(() => socket.destroy())
  return {
    ask: () => {
      const answer = once(socket, 'data').then(([d]) => String(d).trim())
      socket.write('PING\r\n')
      return answer
    },
  }
}

t.test('an answer that arrived while the loop was blocked past the time is not a timeout', async (t) => {
  const peer = await redisPeer(t)
  const answer = withinTime(peer.ask(), 100, () => new Error('timed out'))
  blockLoop(400)
  t.equal(await answer, '+PONG')

  // What a plain timer race does with the same timing: the timer runs first and reports a timeout.
  const naive = Promise.race([
    peer.ask(),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out')), 100)),
  ])
  blockLoop(400)
  await t.rejects(
    naive,
    /timed out/,
    'a plain timer, as the baseline, reports the answered call as timed out',
  )
})

t.test('a call that is never answered fails soon after its time', async (t) => {
  const start = performance.now()
  await t.rejects(
    withinTime(new Promise<never>(() => undefined), 150, () => new Error('no answer')),
    /no answer/,
  )
  const elapsed = performance.now() - start
  t.ok(elapsed >= 145 && elapsed < 1000, `failed after ${Math.round(elapsed)} ms`)
})

t.test('a value that comes after the verdict goes to `late`; a late failure is dropped', async (t) => {
  let resolveLate: (v: string) => void = () => undefined
  const lateValues: string[] = []
  const verdict = withinTime(
    new Promise<string>((r) => (resolveLate = r)),
    20,
    () => new Error('no answer'),
    (v) => lateValues.push(v),
  )
  await t.rejects(verdict, /no answer/)
  resolveLate('connection')
  await new Promise((r) => setImmediate(r))
  t.same(lateValues, ['connection'], 'the late value was handed over')

  let rejectLate: (e: Error) => void = () => undefined
  const unhandled: unknown[] = []
  const onUnhandled = (e: unknown): number => unhandled.push(e)
  process.on('unhandledRejection', onUnhandled)
  t.teardown(() => process.off('unhandledRejection', onUnhandled))
  await t.rejects(
    withinTime(new Promise<string>((_, r) => (rejectLate = r)), 20, () => new Error('no answer')),
    /no answer/,
  )
  rejectLate(new Error('connection terminated'))
  // Node reports an unhandled rejection once the microtasks after it have run: one turn is enough.
  await new Promise((r) => setImmediate(r))
  await new Promise((r) => setImmediate(r))
  t.same(unhandled, [], 'no unhandled rejection')
})

t.test('a settled call answers at once; a cancelled timeout never expires', async (t) => {
  t.equal(await withinTime(Promise.resolve(7), 50, () => new Error('no')), 7)
  let fired = false
  const cancel = patientTimeout(10, () => (fired = true))
  cancel()
  // A later timeout expiring proves the earlier, cancelled one had its chance.
  const expired = await new Promise<boolean>((resolve) => {
    patientTimeout(30, () => resolve(true))
  })
  t.ok(expired, 'an uncancelled one expires')
  t.notOk(fired, 'a cancelled one never does')
})
