import { randomBytes } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import type { IncomingMessage } from 'node:http'
import { once } from 'node:events'
import t from 'tap'
import { ADMIN_TOKEN, TEST_REDIS_URL, request, uniqueId } from './helpers/app.js'
import { eventually } from './helpers/eventually.js'
import { openLedger, postgresTarget } from './helpers/ledgers.js'
import { startServerProcess } from './helpers/server-process.js'

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = ''
    res.setEncoding('utf8')
    res.on('data', (chunk: string) => (text += chunk))
    res.on('end', () => resolve(text))
    res.on('error', reject)
  })
}

/** The shutdown bound of src/server.ts. */
const SHUTDOWN_LIMIT_MS = 10_000

t.test(
  'SIGTERM: in-flight confirm completes, streams end, new work is refused, exit 0 in time',
  async (t) => {
    const pg = await postgresTarget()
    const ledger = await openLedger(t, pg)
    const server = await startServerProcess(t, {
      KEY_PREFIX: `t${randomBytes(4).toString('hex')}`,
      LEDGER_URL: pg.url as string,
      REDIS_URL: TEST_REDIS_URL,
      ADMIN_TOKEN,
      // debug: the server logs each request when it is routed, which the in-flight confirm below waits for.
      LOG_LEVEL: 'debug',
    })
    const eventId = uniqueId('ev')
    const created = await request(server.url, 'POST', '/v1/events', {
      admin: true,
      body: { id: eventId, name: 'shutdown', sections: [{ id: 'g', name: 'GA', price: 700, capacity: 10 }] },
    })
    t.equal(created.status, 201)
    const hold = await request(server.url, 'POST', `/v1/events/${eventId}/holds`, {
      body: { holder: 'leaving', items: [{ section: 'g', quantity: 2 }] },
    })
    t.equal(hold.status, 201)

    // An open change stream: the stream plugin must end it so closing does not wait on it.
    const { port } = new URL(server.url)
    const stream = httpRequest({ port, host: '127.0.0.1', path: `/v1/events/${eventId}/stream` })
    stream.end()
    const [streamRes] = (await once(stream, 'response')) as [IncomingMessage]
    t.equal(streamRes.statusCode, 200)
    const streamText = readBody(streamRes)

    // An in-flight confirm: headers sent (the server has routed it), the body still on its way.
    const path = `/v1/events/${eventId}/holds/${hold.body.id}/confirm`
    const body = JSON.stringify({ paymentRef: 'pay-during-shutdown' })
    const confirm = httpRequest({
      port,
      host: '127.0.0.1',
      method: 'POST',
      path,
      headers: {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'hold-token': hold.body.token as string,
      },
    })
    const confirmResponse = once(confirm, 'response') as Promise<[IncomingMessage]>
    confirm.flushHeaders()
    confirm.write(body.slice(0, 5))
    await eventually('the server to receive the confirm request', () =>
      server.output().includes(`"url":"${path}"`),
    )

    const termAt = Date.now()
    server.child.kill('SIGTERM')
    await eventually('the server to start closing', () => /SIGTERM received/.test(server.output()))

    // New connections are refused once the listener closes (or answered 503 while it closes).
    const fresh = async (): Promise<string | undefined> => {
      try {
        const res = await fetch(`${server.url}/health`, { headers: { connection: 'close' } })
        return res.status === 503 ? '503' : undefined
      } catch {
        return 'refused'
      }
    }
    const refused = await eventually('the listener to refuse', fresh, { deadlineMs: 3000 }).catch(
      () => 'still accepted',
    )
    t.not(refused, 'still accepted', `new requests are not served while closing (${refused})`)

    confirm.end(body.slice(5))
    const [res] = await confirmResponse
    const reservation = JSON.parse(await readBody(res)) as { id: string; holdId: string; paymentRef: string }
    t.equal(res.statusCode, 201, 'the in-flight confirm completed')
    t.equal(reservation.holdId, hold.body.id)
    t.equal(reservation.paymentRef, 'pay-during-shutdown')
    t.equal(res.headers.connection, 'close', 'answered with Connection: close (the socket is not kept)')
    const answeredAt = Date.now()

    await streamText
    t.pass('the change stream was ended by the server')

    const code = await server.exited
    const took = Date.now() - termAt
    t.equal(code, 0, 'exit code 0')
    t.ok(took < SHUTDOWN_LIMIT_MS, `exited ${took} ms after SIGTERM (bound ${SHUTDOWN_LIMIT_MS} ms)`)
    t.notMatch(server.output(), /shutdown took too long/, 'not forced')
    // The client's idle keep-alive socket must not hold the close up (Node's agent would keep it 5 s).
    const afterAnswer = Date.now() - answeredAt
    t.ok(afterAnswer < 3000, `exited ${afterAnswer} ms after the last answer`)

    const stored = await ledger.getReservation(eventId, reservation.id)
    t.equal(stored?.status, 'confirmed', 'the reservation is in the ledger')
  },
)
