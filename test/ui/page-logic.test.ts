/**
 * The seat map page's pure parts: what seat-map characters mean, the Prometheus text the operator panel
 * reads, and the texts people see (ui/assets/lib/seat-status.js, prometheus.js, format.js).
 */
import t from 'tap'
import { apiError, count, money, timeLeft } from '../../ui/assets/lib/format.js'
import { byLabel, parseMetrics, ratePerSecond, total } from '../../ui/assets/lib/prometheus.js'
import { changedPositions, seatState, withChar } from '../../ui/assets/lib/seat-status.js'

t.test('seat map characters', async (t) => {
  t.same(['a', 'h', 's', 'x', ''].map(seatState), ['available', 'held', 'sold', 'blocked', 'blocked'])
  t.same(changedPositions('aahs', 'ahhs'), [1])
  t.same(changedPositions('aa', 'aah'), [2], 'a longer string: the new positions changed')
  t.equal(withChar('aaaa', [0, 2, 9], 'h'), 'haha', 'positions outside are ignored')
})

t.test('Prometheus text: samples, labels with escapes, sums and rates', async (t) => {
  const samples = parseMetrics(
    [
      '# HELP seatlock_refusals_total Error answers',
      '# TYPE seatlock_refusals_total counter',
      'seatlock_refusals_total{operation="hold",code="SEAT_UNAVAILABLE"} 7',
      'seatlock_refusals_total{operation="confirm",code="HOLD_EXPIRED"} 2',
      'seatlock_refusals_total{operation="confirm",code="SEAT_UNAVAILABLE"} 1',
      'seatlock_holds_created_total 120',
      'seatlock_sweeper_lag_seconds 0.125',
      'odd_label{path="a\\"b\\\\c"} 1',
      'not a sample',
      'nan_value NaN',
    ].join('\n'),
  )
  t.equal(total(samples, 'seatlock_holds_created_total'), 120)
  t.equal(total(samples, 'seatlock_sweeper_lag_seconds'), 0.125)
  t.equal(total(samples, 'seatlock_refusals_total', { operation: 'confirm' }), 3)
  t.same(
    [...byLabel(samples, 'seatlock_refusals_total', 'code')],
    [
      ['SEAT_UNAVAILABLE', 8],
      ['HOLD_EXPIRED', 2],
    ],
  )
  t.equal(samples.find((s) => s.name === 'odd_label')?.labels.path, 'a"b\\c', 'escapes read')
  t.equal(total(samples, 'missing'), 0)
  t.equal(ratePerSecond(100, 150, 2), 25)
  t.equal(ratePerSecond(undefined, 150, 2), 0, 'no earlier scrape: no rate')
  t.equal(ratePerSecond(100, 30, 2), 15, 'a counter that went down restarted from zero')
})

t.test('texts', async (t) => {
  t.equal(timeLeft(545_000), '9:05')
  t.equal(timeLeft(1), '0:01', 'rounded up: 0:00 only when the time is up')
  t.equal(timeLeft(-5), '0:00')
  t.equal(count(20000), '20,000')
  t.equal(money(4500, 'EUR'), '€45.00')
  t.equal(money(4500, 'not a currency'), 'not a currency 45.00')
  t.equal(
    apiError(
      {
        code: 'SEAT_UNAVAILABLE',
        message: 'Some seats are not available',
        details: { seats: [{ section: 'a', seat: 'A-1' }] },
      },
      409,
    ),
    'SEAT_UNAVAILABLE: Some seats are not available (a A-1)',
  )
  t.equal(apiError('<html>', 502), 'HTTP 502', 'an answer outside the contract')
})
