/// <reference lib="dom" />
/**
 * The seat map page in headless Chromium (playwright-core driving Debian's chromium), against the real
 * service, Redis and PostgreSQL: two browser contexts watch one event; what one does, the other sees
 * through the event stream. One browser for the file.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import t from 'tap'
import type { Browser, Page } from 'playwright-core'
import { ROOT_DIR } from '../src/paths.js'
import { ADMIN_TOKEN, startApp, uniqueId } from './helpers/app.js'
import type { TestApp } from './helpers/app.js'
import {
  AVAILABLE,
  HELD,
  SOLD,
  browserSkip,
  launchBrowser,
  openSeatMap,
  pageOpener,
  seatColour,
  seatPoint,
  seatState,
} from './helpers/browser.js'
import { eventually } from './helpers/eventually.js'
import { openLedger, postgresTarget } from './helpers/ledgers.js'

const skip = browserSkip()
if (skip) t.comment(`skipped: ${skip}`)

function venue(id: string, name = 'Seat map test') {
  return {
    id,
    name,
    currency: 'EUR',
    sections: [
      {
        id: 'stalls',
        name: 'Stalls',
        price: 4500,
        rows: ['A', 'B', 'C', 'D'].map((row) => ({
          row,
          seats: '1-10',
          ...(row === 'A' ? { accessible: '1', companions: '2' } : {}),
        })),
      },
      { id: 'circle', name: 'Circle', price: 3000, seats: Array.from({ length: 24 }, (_, i) => `C${i + 1}`) },
      { id: 'standing', name: 'Standing', price: 2000, capacity: 50 },
    ],
  }
}

async function createVenue(api: TestApp, name?: string): Promise<string> {
  const id = uniqueId('ui')
  const res = await api.request('POST', '/v1/events', { admin: true, body: venue(id, name) })
  if (res.status !== 201) throw new Error(`event not created: ${res.status} ${JSON.stringify(res.body)}`)
  return id
}

async function click(page: Page, section: string, seat: string) {
  const { x, y } = await seatPoint(page, section, seat)
  await page.mouse.click(x, y)
}

/** Clicks Hold and returns the API's answer to it (the moment the hold exists). */
async function takeHold(page: Page) {
  const answer = page.waitForResponse((r) => r.url().endsWith('/holds') && r.request().method() === 'POST')
  await page.click('#hold')
  const response = await answer
  return { status: response.status(), body: (await response.json()) as { id: string; token: string } }
}

async function waitFor(page: Page, section: string, seat: string, state: string, deadlineMs: number) {
  const start = performance.now()
  await eventually(
    `${section} ${seat} to be ${state}`,
    async () => (await seatState(page, section, seat)) === state,
    {
      deadlineMs,
      intervalMs: 10,
    },
  )
  return performance.now() - start
}

t.test('the seat map page in Chromium', { skip }, async (t) => {
  const ledger = await openLedger(t, await postgresTarget())
  const api = await startApp(t, ledger)
  const browser: Browser = await launchBrowser(t)
  const { newPage, pageErrors } = pageOpener(t, browser)

  await t.test('one context takes a hold, the other sees the seat held within 1 s', async (t) => {
    const eventId = await createVenue(api)
    const buyer = await newPage()
    const watcher = await newPage()
    await Promise.all([openSeatMap(buyer, api.url, eventId), openSeatMap(watcher, api.url, eventId)])
    t.equal(await seatState(watcher, 'stalls', 'A-5'), 'available', 'available before')
    t.equal(await seatColour(watcher, 'stalls', 'A-5'), AVAILABLE, 'drawn available')

    await click(buyer, 'stalls', 'A-5')
    await click(buyer, 'circle', 'C3')
    t.match(
      await buyer.textContent('#selection'),
      /2 seats selected: Stalls A-5, Circle C3/,
      'selected by click',
    )
    const hold = await takeHold(buyer)
    t.equal(hold.status, 201, 'the hold is taken')
    const ms = await waitFor(watcher, 'stalls', 'A-5', 'held', 1000)
    t.comment(`the other context saw the seat held ${ms.toFixed(0)} ms after the hold was answered`)
    t.ok(ms <= 1000, 'within 1 s')
    t.equal(await seatColour(watcher, 'stalls', 'A-5'), HELD, 'and draws it held')
    await waitFor(watcher, 'circle', 'C3', 'held', 1000)
    await eventually('the counts from the stream', async () => {
      const row = await watcher.textContent('#section-counts tr:first-child')
      return row === 'Stalls3910'
    })
    t.pass('the section counts show the hold')
    t.match(await buyer.textContent('#hold-state'), 'Held', "the buyer's panel shows the hold")
    t.match(await buyer.textContent('#countdown'), /^\d+:\d\d$/, 'with a countdown')

    // The token stays in the page's memory: not in the URL, storage, cookies or the document.
    t.notMatch(buyer.url(), hold.body.token, 'not in the URL')
    const stored = await buyer.evaluate(
      () => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }),
    )
    t.notMatch(stored, hold.body.token, 'not in storage')
    t.same(await buyer.context().cookies(), [], 'no cookies')
    t.notMatch(await buyer.content(), hold.body.token, 'not in the document')
  })

  await t.test('a hold with a 2 s TTL turns available again by itself', async (t) => {
    const eventId = await createVenue(api)
    const buyer = await newPage()
    const watcher = await newPage()
    await Promise.all([openSeatMap(buyer, api.url, eventId), openSeatMap(watcher, api.url, eventId)])
    await buyer.fill('#ttl', '2')
    // By keyboard: the cursor starts on the first seat; down one row, right two seats: B-3.
    await buyer.focus('#map')
    for (const key of ['ArrowDown', 'ArrowRight', 'ArrowRight']) await buyer.keyboard.press(key)
    t.match(await buyer.textContent('#focus-seat'), /Stalls, B-3: available/, 'the cursor is announced')
    await buyer.keyboard.press('Space')
    t.match(await buyer.textContent('#focus-seat'), /B-3: available, selected/, 'selected by keyboard')
    const hold = await takeHold(buyer)
    t.equal(hold.status, 201, 'held for 2 s')
    const heldAt = performance.now()
    const expiresAt = Date.parse((hold.body as unknown as { expiresAt: string }).expiresAt)
    await waitFor(watcher, 'stalls', 'B-3', 'held', 1000)
    // 2 s TTL, then guarantee 3 (reclaimed within 1 s), then one seat map read.
    await waitFor(watcher, 'stalls', 'B-3', 'available', 4000)
    const ms = performance.now() - heldAt
    t.comment(`the seat turned available ${ms.toFixed(0)} ms after the test saw a 2 s hold answered`)
    // Redis and this process share the machine's clock.
    t.ok(Date.now() >= expiresAt, 'not before its expiry')
    t.equal(await seatColour(watcher, 'stalls', 'B-3'), AVAILABLE, 'drawn available again')
    await eventually('the buyer told', async () => (await buyer.textContent('#hold-state')) === 'Expired')
    t.match(await buyer.textContent('#buyer-status'), /expired/, 'the buyer is told the hold expired')
  })

  await t.test('confirm turns the seats sold', async (t) => {
    const eventId = await createVenue(api)
    const buyer = await newPage()
    const watcher = await newPage()
    await Promise.all([openSeatMap(buyer, api.url, eventId), openSeatMap(watcher, api.url, eventId)])
    await click(buyer, 'stalls', 'C-7')
    t.equal((await takeHold(buyer)).status, 201, 'held')
    await waitFor(watcher, 'stalls', 'C-7', 'held', 1000)
    await buyer.click('#confirm')
    await eventually('confirmed', async () => (await buyer.textContent('#hold-state')) === 'Confirmed')
    t.match(
      await buyer.textContent('#buyer-status'),
      /Confirmed: reservation \S+, €45\.00/,
      'the reservation',
    )
    const ms = await waitFor(watcher, 'stalls', 'C-7', 'sold', 1000)
    t.comment(`the other context saw the seat sold ${ms.toFixed(0)} ms after the confirm was answered`)
    t.equal(await seatColour(watcher, 'stalls', 'C-7'), SOLD, 'drawn sold')
    const event = await api.request('GET', `/v1/events/${eventId}`)
    t.equal(event.body.sections[0].sold, 1, 'sold in the ledger')
  })

  await t.test(
    'phone width: one column, nothing wider than the screen, seats still selectable',
    async (t) => {
      const eventId = await createVenue(api)
      const phone = await newPage({ width: 375, height: 740 })
      await openSeatMap(phone, api.url, eventId)
      const widths = await phone.evaluate(() => ({
        page: document.documentElement.scrollWidth,
        map: (document.getElementById('map') as HTMLCanvasElement).getBoundingClientRect().right,
      }))
      t.ok(widths.page <= 375, `the page is ${widths.page} px wide at 375`)
      t.ok(widths.map <= 375, 'the map fits')
      const side = await phone.evaluate(() => {
        const map = document.querySelector('.map') as HTMLElement
        const buyer = document.getElementById('buyer') as HTMLElement
        return buyer.getBoundingClientRect().top >= map.getBoundingClientRect().bottom
      })
      t.ok(side, 'the buyer panel comes under the map')
      await click(phone, 'stalls', 'D-10')
      t.match(await phone.textContent('#selection'), /1 seat selected: Stalls D-10/, 'a tap selects')
    },
  )

  await t.test('labels for screen readers', async (t) => {
    const eventId = await createVenue(api)
    const page = await newPage()
    await openSeatMap(page, api.url, eventId)
    const map = page.locator('#map')
    t.equal(await map.getAttribute('aria-roledescription'), 'seat map')
    t.match(await map.getAttribute('aria-label'), /Arrow keys/, 'the map says how to use it')
    t.equal(await map.getAttribute('aria-describedby'), 'focus-seat', 'and what the cursor is on')
    t.equal(await page.getAttribute('#focus-seat', 'aria-live'), 'polite')
    await page.focus('#map')
    t.match(
      await page.textContent('#focus-seat'),
      'Stalls, A-1: available, wheelchair space',
      'a wheelchair space',
    )
    await page.keyboard.press('ArrowRight')
    t.match(
      await page.textContent('#focus-seat'),
      'Stalls, A-2: available, companion seat',
      'its companion seat',
    )
    await page.keyboard.press('PageDown')
    t.match(await page.textContent('#focus-seat'), 'Circle, C1: available', 'the next section')
    for (const id of ['holder', 'ttl', 'admin-token']) {
      t.equal(
        await page.locator(`#${id}`).evaluate((e) => (e as HTMLInputElement).labels?.length ?? 0),
        1,
        `#${id} is labelled`,
      )
    }
    t.equal(await page.getAttribute('#buyer-error', 'role'), 'alert', 'errors are announced')
    t.match(
      await page.textContent('#summary'),
      /^114 of 114 available, 0 held, 0 sold\.$/,
      'a spoken summary of the counts',
    )
  })

  await t.test(
    'operator mode: the admin token, then holds per second, refusals, expiring holds, expiry lag',
    async (t) => {
      const eventId = await createVenue(api)
      const page = await newPage()
      await openSeatMap(page, api.url, eventId)
      await page.click('#mode-operator')
      t.equal(await page.getAttribute('#mode-operator', 'aria-pressed'), 'true')
      t.ok(await page.isHidden('#buyer'), 'the buyer panel makes way')
      await page.fill('#admin-token', 'wrong-token')
      await page.click('#operator-login button')
      await eventually('refused', async () =>
        (await page.textContent('#operator-error'))?.startsWith('UNAUTHORIZED'),
      )
      t.ok(await page.isHidden('#operator-view'), 'a wrong token shows nothing')
      await page.fill('#admin-token', ADMIN_TOKEN)
      await page.click('#operator-login button')
      await eventually('signed in', () => page.isVisible('#operator-view'))
      t.equal(await page.inputValue('#admin-token'), '', 'the token is not left in the field')
      // A rate is the difference of two samples of /metrics. A hold made before the page's first sample is in
      // that sample, so it never shows as a rate: hold only once a rate is shown (two samples taken).
      await eventually('the first rate', async () =>
        /^\d/.test((await page.textContent('#op-holds-rate')) ?? ''),
      )

      const hold = await api.request('POST', `/v1/events/${eventId}/holds`, {
        body: { holder: 'op-1', ttlSeconds: 30, items: [{ section: 'stalls', seats: ['A-3'] }] },
      })
      t.equal(hold.status, 201)
      const refused = await api.request('POST', `/v1/events/${eventId}/holds`, {
        body: { holder: 'op-2', items: [{ section: 'stalls', seats: ['A-3'] }] },
      })
      t.equal(refused.status, 409)
      await eventually(
        'a hold per second shown',
        async () => Number(await page.textContent('#op-holds-rate')) > 0,
      )
      await eventually('the refusal shown', async () =>
        (await page.locator('#op-refusals tr').allTextContents()).some((row) =>
          row.startsWith('SEAT_UNAVAILABLE'),
        ),
      )
      await eventually('the expiring hold', async () => (await page.textContent('#op-expiring')) === '1')
      t.match(await page.textContent('#op-expiring-list'), hold.body.id.slice(0, 8), 'listed by id')
      t.match(await page.textContent('#op-lag'), /^\d+ ms$/, 'expiry lag')
      t.match(await page.textContent('#op-active'), /^\d+$/, 'active holds')
      await eventually('the chart', async () =>
        (await page.textContent('#chart-summary'))?.includes('1 held'),
      )
      const painted = await page.evaluate(() => {
        const canvas = document.getElementById('op-chart') as HTMLCanvasElement
        const data = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(
          0,
          0,
          canvas.width,
          canvas.height,
        ).data
        return data.some((v, i) => i % 4 === 3 && v > 0)
      })
      t.ok(painted, 'the chart is drawn')
    },
  )

  await t.test('a stream refused with a 503 is opened again once the service has room', async (t) => {
    // An instance serving one stream at most: the second page's stream is refused (TOO_MANY_STREAMS).
    const small = await startApp(t, ledger, {}, undefined, { jobs: false, streams: { maxStreams: 1 } })
    const eventId = await createVenue(small)
    const first = await newPage()
    await openSeatMap(first, small.url, eventId)
    const second = await newPage()
    await second.goto(`${small.url}/ui/events/${eventId}`)
    await eventually(
      'the refusal seen',
      async () => (await second.textContent('#connection')) === 'Reconnecting…',
    )
    t.pass('the second page says it is reconnecting')
    await first.context().close()
    await eventually('live again', async () => (await second.textContent('#connection')) === 'Live', {
      deadlineMs: 15_000,
    })
    t.pass('and is live once the first page has gone')
  })

  await t.test('a screenshot of the page for the README (docs/seat-map.png)', async (t) => {
    // A fixed scene: the same venue, the same seats sold and held, the countdown at a fixed clock, so the
    // picture (and the committed file) only changes when the page does.
    const id = uniqueId('arena')
    const block = (row: string) => ({ row, seats: '1-24' })
    const created = await api.request('POST', '/v1/events', {
      admin: true,
      body: {
        id,
        name: 'Arena concert',
        currency: 'EUR',
        sections: [
          {
            id: 'a',
            name: 'Block A',
            price: 6500,
            rows: 'ABCDEFGHJKLM'.split('').map((r, i) => ({
              ...block(r),
              ...(i === 0 ? { accessible: '1,24', companions: '2,23' } : {}),
            })),
          },
          { id: 'b', name: 'Block B', price: 6500, rows: 'ABCDEFGHJKLM'.split('').map(block) },
          {
            id: 'balcony',
            name: 'Balcony',
            price: 3900,
            rows: 'NPQRST'.split('').map((r) => ({ row: r, seats: '1-40' })),
          },
          { id: 'floor', name: 'Floor (standing)', price: 4500, capacity: 400 },
        ],
      },
    })
    t.equal(created.status, 201, 'the venue')
    // At most MAX_SEATS_PER_HOLD (10) units a hold, each by a holder of its own.
    let holders = 0
    const take = async (items: unknown[], confirm: boolean) => {
      const hold = await api.request('POST', `/v1/events/${id}/holds`, {
        body: { holder: `fan-${++holders}`, ttlSeconds: 3600, items },
      })
      t.equal(hold.status, 201, `hold ${holders}`)
      if (!confirm) return
      const done = await api.request('POST', `/v1/events/${id}/holds/${hold.body.id}/confirm`, {
        token: hold.body.token,
      })
      t.equal(done.status, 201, `confirm ${holders}`)
    }
    const seatsOf = (row: string, from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => `${row}-${from + i}`)
    for (const row of ['A', 'B', 'C']) await take([{ section: 'a', seats: seatsOf(row, 8, 17) }], true)
    await take([{ section: 'b', seats: seatsOf('D', 9, 16) }], true)
    await take([{ section: 'balcony', seats: seatsOf('N', 1, 10) }], true)
    for (let i = 0; i < 12; i++) await take([{ section: 'floor', quantity: 10 }], true)
    await take([{ section: 'floor', quantity: 6 }], false)
    await take([{ section: 'a', seats: seatsOf('F', 8, 11) }], false)
    await take([{ section: 'b', seats: seatsOf('H', 3, 6) }], false)

    const page = await newPage({ width: 1280, height: 860 })
    await page.clock.setFixedTime(new Date('2026-12-01T18:00:00Z'))
    await openSeatMap(page, api.url, id)
    await page.fill('#holder', 'fan-42')
    await page.fill('#ttl', '600')
    for (const seat of ['G-12', 'G-13']) await click(page, 'a', seat)
    t.equal((await takeHold(page)).status, 201, 'the page holds two seats')
    for (const seat of ['K-3', 'K-4']) await click(page, 'b', seat)
    await eventually('the page settled', async () => {
      const rows = await page.locator('#section-counts tr').allTextContents()
      return rows[0] === 'Block A252630' && (await seatState(page, 'b', 'H-3')) === 'held'
    })
    const shot = await page.screenshot({ fullPage: true })
    // The README's picture is refreshed on request only (UPDATE_SCREENSHOT=1): a run renders it a few bytes
    // differently each time, and a test run must leave the tree clean. Otherwise it goes to .tap/ to look at.
    const file =
      process.env.UPDATE_SCREENSHOT === '1'
        ? join(ROOT_DIR, 'docs', 'seat-map.png')
        : join(ROOT_DIR, '.tap', 'seat-map.png')
    await mkdir(dirname(file), { recursive: true })
    await writeFile(file, shot)
    t.ok(shot.length > 10_000, `a screenshot of ${shot.length} bytes in ${relative(ROOT_DIR, file)}`)
  })

  t.same(pageErrors, [], 'no script error in any page')
})
