/** Where an event's sale stands, and the window's own rule (src/domain/sales-window.ts). */
import t from 'tap'
import { normalizeSales, salesState, SalesWindowError } from '../../src/domain/sales-window.js'

const open = Date.parse('2026-09-01T09:00:00Z')
const close = Date.parse('2026-12-01T18:00:00Z')
const window = { openAt: '2026-09-01T09:00:00Z', closeAt: '2026-12-01T18:00:00Z', closed: false }

t.test('the state at a time: the opening counts as open, the closing as closed', async (t) => {
  t.equal(salesState(window, open - 1), 'not-yet-open')
  t.equal(salesState(window, open), 'on-sale')
  t.equal(salesState(window, close - 1), 'on-sale')
  t.equal(salesState(window, close), 'ended')
  t.equal(salesState({ ...window, closed: true }, open + 1), 'closed', 'closed by hand wins over the window')
  t.equal(salesState({ ...window, closed: true }, open - 1), 'closed')
  t.equal(salesState({ openAt: null, closeAt: null, closed: false }, 0), 'on-sale', 'no window: on sale')
})

t.test('a window is normalised, and must open before it closes', async (t) => {
  t.same(normalizeSales({ openAt: '2026-09-01T11:00:00+02:00', closeAt: null, closed: false }), {
    openAt: '2026-09-01T09:00:00.000Z',
    closeAt: null,
    closed: false,
  })
  t.throws(() => normalizeSales({ ...window, closeAt: window.openAt }), SalesWindowError)
  t.throws(() => normalizeSales({ ...window, openAt: 'soon' }), /salesOpenAt is not a valid date/)
})
