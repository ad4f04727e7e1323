/**
 * The HTTP answers to hold items an event cannot take: code, status and details are part of the contract,
 * whatever the domain rule calls the problem.
 */
import t from 'tap'
import { checkTtl, validateItems } from '../src/services/holds.js'
import { smallEvent } from './helpers/small-event.js'

const event = smallEvent()

function refusal(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    const { statusCode, code, message, details } = error as Record<string, unknown>
    return { statusCode, code, message, details }
  }
  return null
}

t.test('items', async (t) => {
  const cases: [string, Parameters<typeof validateItems>[1], unknown][] = [
    [
      'too many units',
      [{ section: 'g', quantity: 5 }],
      { statusCode: 400, code: 'TOO_MANY_SEATS', details: { requested: 5, limit: 4 } },
    ],
    [
      'unknown section',
      [{ section: 'x', quantity: 1 }],
      { statusCode: 422, code: 'UNKNOWN_SECTION', details: { section: 'x' } },
    ],
    [
      'a section twice',
      [
        { section: 'g', quantity: 1 },
        { section: 'g', quantity: 1 },
      ],
      {
        statusCode: 400,
        code: 'INVALID_REQUEST',
        message: 'Name each section at most once per hold',
        details: { section: 'g' },
      },
    ],
    [
      'seats for GA',
      [{ section: 'g', seats: ['S1'] }],
      { statusCode: 422, code: 'WRONG_ITEM_KIND', details: { section: 'g', expected: 'quantity' } },
    ],
    [
      'quantity for seated',
      [{ section: 's', quantity: 1 }],
      { statusCode: 422, code: 'WRONG_ITEM_KIND', details: { section: 's', expected: 'seats' } },
    ],
    [
      'a seat twice',
      [{ section: 's', seats: ['S2', 'S2'] }],
      { statusCode: 400, code: 'DUPLICATE_SEATS', details: { section: 's', seats: ['S2'] } },
    ],
    [
      'unknown seats',
      [{ section: 's', seats: ['S1', 'Z9'] }],
      { statusCode: 422, code: 'UNKNOWN_SEAT', details: { section: 's', seats: ['Z9'] } },
    ],
  ]
  for (const [what, items, expected] of cases) {
    const got = refusal(() => validateItems(event, items, 4))
    t.match(got, expected, what)
    // Details exactly: clients read them, so no field may appear or go.
    t.same((got as { details?: unknown } | null)?.details, (expected as { details: unknown }).details, what)
  }
  t.equal(
    refusal(() => validateItems(event, [{ section: 's', seats: ['S1'] }], 4)),
    null,
    'accepted',
  )
})

t.test('TTL', async (t) => {
  t.equal(checkTtl(30, 60), 30_000)
  t.match(
    refusal(() => checkTtl(61, 60)),
    {
      statusCode: 400,
      code: 'INVALID_TTL',
      message: 'ttlSeconds must be between 1 and 60',
      details: { min: 1, max: 60 },
    },
  )
})
