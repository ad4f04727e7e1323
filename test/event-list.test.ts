/**
 * Issue 13, item 2: GET /v1/events (admin) lists events in a stable order, paged by cursor, filtered by
 * where their sale stands and by start.
 */
import t from 'tap'
import { eachLedger, startApp, uniqueId } from './helpers/app.js'

const DAY = 24 * 3600 * 1000
const at = (ms: number) => new Date(ms).toISOString()

await eachLedger(t, 'listing events', async (t, ledger) => {
  // A start far in the future that no other test's event shares: date filters then see only these.
  const base = Date.parse('2300-01-01T00:00:00Z') + Math.floor(Math.random() * 1000) * 10 * DAY
  const api = await startApp(t, ledger, {}, undefined, { jobs: false })
  const tag = uniqueId('list')
  const create = async (suffix: string, fields: Record<string, unknown>) => {
    const id = `${tag}-${suffix}`
    const res = await api.request('POST', '/v1/events', {
      admin: true,
      body: { id, name: suffix, sections: [{ id: 'g', name: 'G', price: 1, capacity: 5 }], ...fields },
    })
    if (res.status !== 201) throw new Error(`event refused: ${res.status} ${JSON.stringify(res.body)}`)
    return id
  }
  const now = Date.now()
  const onSale = await create('on-sale', { startsAt: at(base + 3 * DAY) })
  const notYet = await create('not-yet', { startsAt: at(base + DAY), salesOpenAt: at(now + DAY) })
  const ended = await create('ended', { startsAt: at(base + 2 * DAY), salesCloseAt: at(now - DAY) })
  const closed = await create('closed', { startsAt: at(base + 2 * DAY) })
  t.equal((await api.request('POST', `/v1/events/${closed}/sales/close`, { admin: true })).status, 200)
  const later = await create('later', { startsAt: at(base + 9 * DAY) })

  const list = (query: string) => api.request('GET', `/v1/events?${query}`, { admin: true })
  const window = `startsFrom=${at(base)}&startsBefore=${at(base + 5 * DAY)}`

  await t.test('by start, then id; each with where its sale stands', async (t) => {
    const res = await list(window)
    t.equal(res.status, 200)
    const sameStart = [ended, closed].sort()
    t.same(
      res.body.items.map((e: { id: string }) => e.id),
      [notYet, ...sameStart, onSale],
      'in order of start, then id; the later event left out by startsBefore',
    )
    const byId = new Map(res.body.items.map((e: { id: string }) => [e.id, e]))
    t.match(byId.get(notYet), { salesState: 'not-yet-open', salesOpenAt: String, salesClosed: false })
    t.match(byId.get(ended), { salesState: 'ended', salesCloseAt: String })
    t.match(byId.get(closed), { salesState: 'closed', salesClosed: true })
    t.match(byId.get(onSale), {
      name: 'on-sale',
      currency: 'USD',
      startsAt: at(base + 3 * DAY),
      salesState: 'on-sale',
      salesOpenAt: null,
      salesCloseAt: null,
      createdAt: String,
    })
    t.notOk('sections' in (byId.get(onSale) as object), 'no sections in a list')
  })

  await t.test('filtered by status', async (t) => {
    for (const [status, id] of [
      ['on-sale', onSale],
      ['not-yet-open', notYet],
      ['ended', ended],
      ['closed', closed],
    ]) {
      const res = await list(`${window}&status=${status}`)
      t.same(
        res.body.items.map((e: { id: string }) => e.id),
        [id],
        `${status}: only ${id}`,
      )
    }
    const reopened = await api.request('POST', `/v1/events/${closed}/sales/open`, { admin: true })
    t.equal(reopened.status, 200)
    const res = await list(`${window}&status=on-sale`)
    t.same(
      res.body.items.map((e: { id: string }) => e.id).sort(),
      [closed, onSale].sort(),
      'reopened: on sale',
    )
    await api.request('POST', `/v1/events/${closed}/sales/close`, { admin: true })
  })

  await t.test('pages by cursor: every event once, in order', async (t) => {
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const res = await list(
        `startsFrom=${at(base)}&startsBefore=${at(base + 10 * DAY)}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      )
      t.equal(res.status, 200)
      t.ok(res.body.items.length <= 2)
      seen.push(...res.body.items.map((e: { id: string }) => e.id))
      cursor = res.body.nextCursor
      pages++
    } while (cursor !== null && pages < 10)
    t.same(seen, [notYet, ...[ended, closed].sort(), onSale, later], 'all five, in order, once')
    t.equal(pages, 3)
  })

  await t.test('events without a start come first when no date filter is given', async (t) => {
    const noStart = await create('no-start', {})
    const seen: string[] = []
    let cursor: string | null = null
    for (let page = 0; page < 1000; page++) {
      const res = await list(`limit=100${cursor ? `&cursor=${cursor}` : ''}`)
      seen.push(...res.body.items.map((e: { id: string }) => e.id))
      cursor = res.body.nextCursor
      if (cursor === null) break
    }
    t.ok(seen.includes(noStart) && seen.includes(later), 'both listed')
    t.equal(new Set(seen).size, seen.length, 'no event twice')
    t.ok(seen.indexOf(noStart) < seen.indexOf(notYet), 'without a start before any start')
  })

  await t.test('refusals', async (t) => {
    const anonymous = await api.request('GET', '/v1/events')
    t.equal(anonymous.status, 401)
    t.equal(anonymous.body.code, 'UNAUTHORIZED')
    const cursor = await list('cursor=not-a-cursor')
    t.equal(cursor.status, 400)
    t.equal(cursor.body.code, 'INVALID_CURSOR')
    for (const query of ['status=open', 'limit=0', 'startsFrom=yesterday']) {
      const res = await list(query)
      t.equal(res.status, 400, query)
      t.equal(res.body.code, 'INVALID_REQUEST')
    }
  })
})
