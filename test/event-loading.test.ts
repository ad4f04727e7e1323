/**
 * An event whose Redis state is missing is rebuilt from the ledger under a lock, one instance at a time.
 * When another instance keeps that lock for longer than a request waits, the request answers 503
 * EVENT_LOADING (the lock layer only says the lock is busy; the event service decides the answer).
 */
import t from 'tap'
import { Locks } from '../src/lib/locks.js'
import { layoutPrefix } from '../src/redis/keys.js'
import { eachLedger, startApp, uniqueId } from './helpers/app.js'
import { smallEvent } from './helpers/small-event.js'

void eachLedger(t, 'rebuild lock busy', async (t, ledger) => {
  const api = await startApp(t, ledger, {}, undefined, { jobs: false })
  // In the ledger only: Redis never loaded it, so the first read must rebuild it.
  const eventId = uniqueId('loading')
  await ledger.createEvent({ ...smallEvent().definition, id: eventId })

  // Another instance is rebuilding the event and does not finish while the request waits.
  const other = new Locks(api.redis, layoutPrefix(api.config.keyPrefix))
  let finish!: () => void
  let started!: () => void
  const holding = new Promise<void>((resolve) => (started = resolve))
  const rebuild = other.run(`load:${eventId}`, () => {
    started()
    return new Promise<void>((resolve) => (finish = resolve))
  })
  await holding

  const busy = await api.request('GET', `/v1/events/${eventId}`)
  t.equal(busy.status, 503)
  t.equal(busy.body.code, 'EVENT_LOADING')
  t.equal(busy.headers.get('retry-after'), '1', 'told when to retry')

  finish()
  await rebuild
  const loaded = await api.request('GET', `/v1/events/${eventId}`)
  t.equal(loaded.status, 200, 'once the lock is free the event is rebuilt')
  t.match(loaded.body.sections, [
    { id: 's', available: 3 },
    { id: 'g', available: 10 },
  ])
})
