/** When an event is over and may be archived, and its status (src/domain/event-lifecycle.ts). */
import t from 'tap'
import { eventStatus, isOver } from '../../src/domain/event-lifecycle.js'
import { ALWAYS_ON_SALE } from '../../src/domain/sales-window.js'

const start = '2026-12-01T19:00:00.000Z'
const at = Date.parse(start)

t.test('over once its start has passed, whatever its sale says', async (t) => {
  t.notOk(isOver({ startsAt: start, sales: ALWAYS_ON_SALE }, at - 1), 'before its start, on sale')
  t.ok(isOver({ startsAt: start, sales: ALWAYS_ON_SALE }, at), 'from its start')
  t.ok(isOver({ startsAt: start, sales: { openAt: null, closeAt: null, closed: false } }, at + 1))
})

t.test('or once its sale ended or was closed by hand', async (t) => {
  const closeAt = '2026-11-30T00:00:00.000Z'
  const ends = { startsAt: start, sales: { openAt: null, closeAt, closed: false } }
  t.notOk(isOver(ends, Date.parse(closeAt) - 1), 'the window still runs')
  t.ok(isOver(ends, Date.parse(closeAt)), 'the window ended')
  t.ok(isOver({ startsAt: null, sales: { ...ALWAYS_ON_SALE, closed: true } }, 0), 'closed by hand, no start')
  t.notOk(isOver({ startsAt: null, sales: ALWAYS_ON_SALE }, at), 'no start and on sale: never over by itself')
  const notOpen = { startsAt: null, sales: { openAt: start, closeAt: null, closed: false } }
  t.notOk(isOver(notOpen, at - 1), 'not yet open is not over')
})

t.test('status', async (t) => {
  t.equal(eventStatus(null), 'active')
  t.equal(eventStatus(undefined), 'active')
  t.equal(eventStatus('2026-12-02T00:00:00.000Z'), 'archived')
})
