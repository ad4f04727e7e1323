import t from 'tap'
import Fastify from 'fastify'
import { compiled, sharedSchemaCompilers } from '../../src/lib/schema-compilers.js'
import { createEvent, startApp } from '../helpers/app.js'
import { openLedger, postgresTarget } from '../helpers/ledgers.js'

// Building the app compiles every route's schemas; the shared compilers compile each distinct schema once
// per process (src/lib/schema-compilers.ts). Shown on the real app, then on two small apps whose schemas
// differ in one detail.

t.test('a second app compiles no schema the first one compiled', async (t) => {
  const ledger = await openLedger(t, await postgresTarget())
  const first = await startApp(t, ledger)
  const afterFirst = { ...compiled }
  t.ok(afterFirst.validators > 0 && afterFirst.serializers > 0, 'the first app compiled its schemas')
  const second = await startApp(t, ledger)
  t.same(compiled, afterFirst, 'the second app reused every compiled validator and serializer')

  // And the second app validates and serializes as the first: a bad body is a 400 in the contract's shape,
  // a good one a 201 whose body has the Hold schema's fields.
  const eventId = await createEvent(second, { ga: { ga: 10 } })
  for (const app of [first, second]) {
    const bad = await app.request('POST', `/v1/events/${eventId}/holds`, {
      body: { holder: 'h', items: [{ section: 'ga', quantity: 'two' }] },
    })
    t.equal(bad.status, 400, 'a body of the wrong type is refused')
    t.equal((bad.body as { code: string }).code, 'INVALID_REQUEST')
    const hold = await app.request('POST', `/v1/events/${eventId}/holds`, {
      body: { holder: 'h', items: [{ section: 'ga', quantity: 1 }] },
    })
    t.equal(hold.status, 201, 'a good one is taken')
    t.match(hold.body, { id: String, token: String, status: 'held', expiresAt: String })
  }
})

t.test('schemas that differ get their own compiled functions', async (t) => {
  const small = async (maxLength: number) => {
    const app = Fastify({ schemaController: { compilersFactory: sharedSchemaCompilers } })
    t.teardown(() => app.close())
    app.post(
      '/echo',
      {
        schema: {
          body: { type: 'object', properties: { name: { type: 'string', maxLength } }, required: ['name'] },
          response: {
            200: { type: 'object', properties: { name: { type: 'string' }, limit: { type: 'integer' } } },
          },
        },
      },
      async (request) => ({ ...(request.body as object), limit: maxLength, secret: 'never serialized' }),
    )
    await app.ready()
    return app
  }
  const before = { ...compiled }
  const three = await small(3)
  const afterOne = { ...compiled }
  t.equal(afterOne.validators, before.validators + 1, 'the first body schema is compiled')
  const five = await small(5)
  t.equal(compiled.validators, afterOne.validators + 1, 'a body schema with another limit is compiled apart')
  t.equal(compiled.serializers, afterOne.serializers, 'the identical response schema is not compiled again')

  const send = (app: typeof three, name: string) =>
    app.inject({ method: 'POST', url: '/echo', payload: { name } })
  t.equal((await send(three, 'abcd')).statusCode, 400, 'the 3-character limit holds in its app')
  const long = await send(five, 'abcd')
  t.equal(long.statusCode, 200, 'and the 5-character limit in the other')
  t.same(long.json(), { name: 'abcd', limit: 5 }, 'the response schema leaves out what it does not name')
})
