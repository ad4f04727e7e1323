/**
 * The one mapping from the hold store's typed refusals to the API's answers (src/services/store-refusals.ts).
 */
import t from 'tap'
import { isApiError } from '../src/errors.js'
import { HoldRefusedError, RedisUnavailableError } from '../src/redis/store-errors.js'
import type { StoreRefusal } from '../src/redis/store-errors.js'
import { answerRefusal, isUnknownHold, refusalError } from '../src/services/store-refusals.js'

t.test('each refusal has its code, status and details', async (t) => {
  const cases: [StoreRefusal, string, number, unknown][] = [
    [
      { kind: 'seatsTaken', seats: [{ section: 'A', seat: '1' }], soldOut: [{ section: 'A', version: 7 }] },
      'SEAT_UNAVAILABLE',
      409,
      { seats: [{ section: 'A', seat: '1' }] },
    ],
    [
      { kind: 'sectionShort', section: 'G', requested: 3, available: 1, soldOut: [] },
      'INSUFFICIENT_CAPACITY',
      409,
      { section: 'G', requested: 3, available: 1 },
    ],
    [{ kind: 'holderLimit', held: 5, limit: 6 }, 'HOLDER_LIMIT_EXCEEDED', 409, { held: 5, limit: 6 }],
    [{ kind: 'idempotencyReused' }, 'IDEMPOTENCY_KEY_REUSED', 422, undefined],
    [
      { kind: 'salesNotOpen', opensAt: Date.parse('2026-09-01T09:00:00Z') },
      'SALES_NOT_OPEN',
      409,
      { salesOpenAt: '2026-09-01T09:00:00.000Z' },
    ],
    [{ kind: 'salesClosed', reason: 'ended' }, 'SALES_CLOSED', 409, { reason: 'ended' }],
    [{ kind: 'salesClosed', reason: 'closed' }, 'SALES_CLOSED', 409, { reason: 'closed' }],
    [{ kind: 'hold', reason: 'unknown' }, 'HOLD_NOT_FOUND', 404, undefined],
    [{ kind: 'hold', reason: 'released' }, 'HOLD_RELEASED', 410, undefined],
    [{ kind: 'hold', reason: 'expired' }, 'HOLD_EXPIRED', 410, undefined],
    [{ kind: 'hold', reason: 'confirmed' }, 'HOLD_CONFIRMED', 409, undefined],
    [{ kind: 'hold', reason: 'confirming' }, 'HOLD_CONFIRMING', 409, undefined],
    [{ kind: 'hold', reason: 'tokenInvalid' }, 'HOLD_TOKEN_INVALID', 403, undefined],
  ]
  for (const [refusal, code, status, details] of cases) {
    const error = refusalError(refusal)
    t.equal(error.code, code, `${refusal.kind}: ${code}`)
    t.equal(error.statusCode, status)
    t.same(error.details, details, `${code}: details`)
  }
})

t.test("undisclosed, a holder-limit refusal tells the limit and not the holder's usage", async (t) => {
  const error = refusalError({ kind: 'holderLimit', held: 5, limit: 6 }, false)
  t.equal(error.code, 'HOLDER_LIMIT_EXCEEDED')
  t.strictSame(error.details, { limit: 6 })
})

t.test('a thrown hold refusal becomes its answer; other errors pass as they are', async (t) => {
  t.throws(() => answerRefusal(new HoldRefusedError('expired')), { code: 'HOLD_EXPIRED' })
  const unavailable = new RedisUnavailableError(new Error('connection lost'))
  t.throws(() => answerRefusal(unavailable), unavailable)
  t.notOk(isApiError(unavailable), 'the Redis layer throws no HTTP error')
  t.ok(isUnknownHold(new HoldRefusedError('unknown')))
  t.notOk(isUnknownHold(new HoldRefusedError('released')))
})
