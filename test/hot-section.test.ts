/**
 * The on-sale's headline moment: 2,000 buyers confirm in the same section at the same instant, through
 * two API processes. Every confirm must succeed (no 503 from a hot count row or document), the ledger
 * must be exact, and the group commit must be what carried them (far fewer ledger transactions than
 * confirms: this fails if confirms go back to one transaction each).
 */
import t from 'tap'
import { ADMIN_TOKEN, eachLedger, request, seats, TEST_REDIS_URL, uniqueId } from './helpers/app.js'
import { checkLedgerInvariants } from './helpers/invariants.js'
import { startServerProcess } from './helpers/server-process.js'

const CONFIRMS = 2000
/** Holds are taken this many at a time: taking them is not what this test measures. */
const HOLD_CONCURRENCY = 100

/** Sum of seatlock_ledger_confirm_transactions_total over its outcomes, from one instance. */
async function ledgerTransactions(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  let sum = 0
  for (const line of text.split('\n')) {
    const match = /^seatlock_ledger_confirm_transactions_total\{[^}]*\} (\d+)/.exec(line)
    if (match) sum += Number(match[1])
  }
  return sum
}

async function inBatches<T>(count: number, size: number, work: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = []
  for (let start = 0; start < count; start += size) {
    out.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(size, count - start) }, (_, j) => work(start + j)),
      )),
    )
  }
  return out
}

await eachLedger(
  t,
  `${CONFIRMS} simultaneous confirms into one section, two API processes`,
  async (t, ledger, target) => {
    const env = {
      REDIS_URL: TEST_REDIS_URL,
      LEDGER_URL: target.url ?? '',
      ADMIN_TOKEN,
      KEY_PREFIX: uniqueId('hot'),
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
    }
    const [one, two] = await Promise.all([startServerProcess(t, env), startServerProcess(t, env)])
    if (!one || !two) throw new Error('servers did not start')
    const servers = [one.url, two.url]
    const labels = seats('S', CONFIRMS)

    for (const kind of ['ga', 'seated'] as const) {
      await t.test(kind, async (t) => {
        const eventId = uniqueId(`hot-${kind}`)
        const section =
          kind === 'ga'
            ? { id: 'floor', name: 'Floor', price: 500, capacity: CONFIRMS }
            : { id: 'floor', name: 'Floor', price: 500, seats: labels }
        const created = await request(one.url, 'POST', '/v1/events', {
          admin: true,
          body: { id: eventId, name: 'Hot section', sections: [section] },
        })
        t.equal(created.status, 201, 'event created')

        const holds = await inBatches(CONFIRMS, HOLD_CONCURRENCY, (i) =>
          request(servers[i % 2] as string, 'POST', `/v1/events/${eventId}/holds`, {
            body: {
              holder: `buyer-${i}`,
              items: [
                kind === 'ga' ? { section: 'floor', quantity: 1 } : { section: 'floor', seats: [labels[i]] },
              ],
            },
          }),
        )
        t.ok(
          holds.every((h) => h.status === 201),
          `${CONFIRMS} holds taken`,
        )

        const before = (await ledgerTransactions(one.url)) + (await ledgerTransactions(two.url))
        // All at once, each on the other process than its hold.
        const confirms = await Promise.all(
          holds.map((h, i) =>
            request(
              servers[(i + 1) % 2] as string,
              'POST',
              `/v1/events/${eventId}/holds/${h.body.id}/confirm`,
              {
                token: h.body.token,
              },
            ),
          ),
        )
        const statuses: Record<number, number> = {}
        for (const c of confirms) statuses[c.status] = (statuses[c.status] ?? 0) + 1
        t.same(statuses, { 201: CONFIRMS }, `every confirm answered 201 (${JSON.stringify(statuses)})`)
        const transactions =
          (await ledgerTransactions(one.url)) + (await ledgerTransactions(two.url)) - before
        t.ok(
          transactions <= CONFIRMS / 10,
          `group commit: ${CONFIRMS} confirms in ${transactions} ledger transactions`,
        )

        const ledgerView = { ledger, request: (m: string, p: string) => request(two.url, m, p) }
        const reservations = await checkLedgerInvariants(t, ledgerView, eventId, {
          confirmed: confirms.map((c) => c.body.id as string),
          holds: holds.map((h) => h.body.id as string),
        })
        t.equal(reservations.length, CONFIRMS, `${CONFIRMS} reservations in the ledger`)
        const view = await request(one.url, 'GET', `/v1/events/${eventId}`)
        t.match(
          view.body.sections[0],
          { capacity: CONFIRMS, sold: CONFIRMS, held: 0, available: 0 },
          'the API shows the section sold out',
        )
      })
    }
  },
)
