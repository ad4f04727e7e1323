/// <reference lib="dom" />
/**
 * "N best available" on the seat map page, in headless Chromium against the real service, Redis and
 * PostgreSQL: the buyer asks for the best seats together of a section, the service picks and holds them,
 * the page draws them as its own hold and another context sees them held; a request no block can meet
 * shows the API's refusal in words. One browser for the file.
 */
import t from 'tap'
import type { Browser, Page } from 'playwright-core'
import { startApp, uniqueId } from './helpers/app.js'
import type { TestApp } from './helpers/app.js'
import {
  AVAILABLE,
  HELD,
  MINE,
  SOLD,
  browserSkip,
  launchBrowser,
  openSeatMap,
  pageOpener,
  pixelColour,
  seatColour,
  seatPoint,
  seatState,
} from './helpers/browser.js'
import { eventually } from './helpers/eventually.js'
import { openLedger, postgresTarget } from './helpers/ledgers.js'

const skip = browserSkip()
if (skip) t.comment(`skipped: ${skip}`)

/** Stalls: 4 rows of 10 (rows, so best available is offered); Circle: a plain list; Standing: GA. */
function venue(id: string, withRows = true) {
  return {
    id,
    name: 'Best available test',
    currency: 'EUR',
    sections: [
      ...(withRows
        ? [
            {
              id: 'stalls',
              name: 'Stalls',
              price: 4500,
              rows: ['A', 'B', 'C', 'D'].map((row) => ({ row, seats: '1-10' })),
            },
          ]
        : []),
      { id: 'circle', name: 'Circle', price: 3000, seats: Array.from({ length: 24 }, (_, i) => `C${i + 1}`) },
      { id: 'standing', name: 'Standing', price: 2000, capacity: 50 },
    ],
  }
}

async function createVenue(api: TestApp, withRows = true): Promise<string> {
  const id = uniqueId('best')
  const res = await api.request('POST', '/v1/events', { admin: true, body: venue(id, withRows) })
  if (res.status !== 201) throw new Error(`event not created: ${res.status} ${JSON.stringify(res.body)}`)
  return id
}

interface HoldAnswer {
  status: number
  body: { id: string; items: { section: string; seats: string[] }[]; code?: string }
}

/** Does `act` (which asks for the best seats) and returns the API's answer to the hold it sends. */
async function bestHold(page: Page, act: () => Promise<void>): Promise<HoldAnswer> {
  const answer = page.waitForResponse((r) => r.url().endsWith('/holds') && r.request().method() === 'POST')
  await act()
  const response = await answer
  return { status: response.status(), body: (await response.json()) as HoldAnswer['body'] }
}

/** The labels of the page's own hold in a section, from the page's inspector. */
function mine(page: Page, section: string): Promise<string[]> {
  return page.evaluate(
    (section) =>
      (window as unknown as { seatMapPage: { mine(s: string): string[] } }).seatMapPage.mine(section),
    section,
  )
}

/** The colour drawn one pixel inside a seat's left edge: where the page frames the seats of its own hold. */
async function frameColour(page: Page, section: string, seat: string, cell: number): Promise<string> {
  const { x, y } = await seatPoint(page, section, seat)
  return pixelColour(page, x - cell / 2 + 1, y)
}

/** "A-4" → row "A", seat 4 (the test venue's seats are numbered 1-10 in each row). */
function place(label: string): { row: string; seat: number } {
  const [row, seat] = label.split('-')
  return { row: row as string, seat: Number(seat) }
}

t.test('best available on the seat map page in Chromium', { skip }, async (t) => {
  const ledger = await openLedger(t, await postgresTarget())
  const api = await startApp(t, ledger)
  const browser: Browser = await launchBrowser(t)
  const { newPage, pageErrors } = pageOpener(t, browser)

  await t.test('offered for sections given as rows only, every field labelled', async (t) => {
    const eventId = await createVenue(api)
    const page = await newPage()
    await openSeatMap(page, api.url, eventId)
    t.ok(await page.isVisible('#best'), 'the form is shown')
    t.same(
      await page.locator('#best-section option').allTextContents(),
      ['Stalls'],
      'rows only: not the plain list, not general admission',
    )
    for (const id of ['best-section', 'best-quantity', 'best-split']) {
      t.equal(
        await page.locator(`#${id}`).evaluate((e) => (e as HTMLInputElement).labels?.length ?? 0),
        1,
        `#${id} is labelled`,
      )
    }
    t.equal(await page.getAttribute('#best', 'aria-labelledby'), 'best-heading', 'the form is named')

    const noRows = await createVenue(api, false)
    const other = await newPage()
    await openSeatMap(other, api.url, noRows)
    t.ok(await other.isHidden('#best'), 'an event without rows is offered nothing')
  })

  await t.test(
    '3 best: held as the page’s own hold, together in one row, seen held by another context; ' +
      'NO_SEATS_TOGETHER once no 3 are together',
    async (t) => {
      const eventId = await createVenue(api)
      const buyer = await newPage()
      const watcher = await newPage()
      await Promise.all([openSeatMap(buyer, api.url, eventId), openSeatMap(watcher, api.url, eventId)])

      // By keyboard: the section, the quantity, Enter sends the form.
      await buyer.focus('#best-section')
      await buyer.keyboard.press('ArrowDown') // one option: stays on Stalls
      await buyer.keyboard.press('Tab')
      t.equal(await buyer.evaluate(() => document.activeElement?.id), 'best-quantity', 'Tab to the quantity')
      await buyer.keyboard.press('Control+A')
      await buyer.keyboard.type('3')
      const hold = await bestHold(buyer, () => buyer.keyboard.press('Enter'))
      t.equal(hold.status, 201, 'the hold is taken')
      const picked = hold.body.items[0]?.seats ?? []
      t.equal(picked.length, 3, `the service picked ${picked.join(', ')}`)
      t.same(hold.body.items, [{ section: 'stalls', seats: picked }], 'one best-available item in Stalls')

      const drawn = await mine(buyer, 'stalls')
      t.same(drawn, picked, 'the page holds the seats the service picked')
      const places = drawn.map(place)
      t.ok(
        places.every((p) => p.row === places[0]?.row),
        `in one row (${places[0]?.row})`,
      )
      t.same(
        places.map((p) => p.seat - (places[0]?.seat ?? 0)),
        [0, 1, 2],
        'adjacent',
      )
      const [first, second] = drawn as [string, string]
      const cell = (await seatPoint(buyer, 'stalls', second)).x - (await seatPoint(buyer, 'stalls', first)).x
      for (const seat of drawn) {
        t.equal(await seatState(buyer, 'stalls', seat), 'held', `${seat} held`)
        t.equal(await seatColour(buyer, 'stalls', seat), HELD, `${seat} drawn held`)
        t.equal(await frameColour(buyer, 'stalls', seat, cell), MINE, `${seat} framed as the buyer's own`)
      }
      t.equal(await buyer.textContent('#hold-state'), 'Held', "the buyer's panel shows the hold")
      t.match(await buyer.textContent('#countdown'), /^\d+:\d\d$/, 'with a countdown')
      t.equal(
        await buyer.textContent('#hold-seats'),
        drawn.map((seat) => `Stalls ${seat}`).join(', '),
        'and its seats',
      )
      t.equal(
        await buyer.textContent('#buyer-status'),
        `Hold taken: 3 seats: ${drawn.map((seat) => `Stalls ${seat}`).join(', ')}.`,
        'the seats picked are named in the status line (read out)',
      )

      for (const seat of drawn) {
        await eventually(
          `${seat} held in the other context`,
          async () => (await seatState(watcher, 'stalls', seat)) === 'held',
          { deadlineMs: 1000, intervalMs: 10 },
        )
        t.equal(await seatColour(watcher, 'stalls', seat), HELD, `the other context draws ${seat} held`)
      }
      t.same(await mine(watcher, 'stalls'), [], 'not as its own')

      // Everyone else takes a seat in every run of 3 free ones: the most left together is 2.
      const map = await api.request('GET', `/v1/events/${eventId}/seat-map?section=stalls`)
      const { status, rows } = map.body.sections[0] as {
        status: string
        rows: { names: string[]; seats: number[] }
      }
      const taken: string[] = []
      let at = 0
      rows.names.forEach((row, r) => {
        let run = 0
        for (let seat = 1; seat <= (rows.seats[r] as number); seat++, at++) {
          run = status[at] === 'a' ? run + 1 : 0
          if (run === 3) {
            taken.push(`${row}-${seat}`)
            run = 0
          }
        }
      })
      for (let i = 0; i < taken.length; i += 5) {
        const res = await api.request('POST', `/v1/events/${eventId}/holds`, {
          body: { holder: `other-${i}`, items: [{ section: 'stalls', seats: taken.slice(i, i + 5) }] },
        })
        t.equal(res.status, 201, `others hold ${taken.slice(i, i + 5).join(', ')}`)
      }
      const free = 40 - 3 - taken.length

      await watcher.selectOption('#best-section', 'stalls')
      await watcher.fill('#best-quantity', '3')
      const refused = await bestHold(watcher, () => watcher.click('#best-hold'))
      t.equal(refused.status, 409)
      t.equal(refused.body.code, 'NO_SEATS_TOGETHER', 'the API refuses')
      t.equal(
        await watcher.textContent('#buyer-error'),
        `NO_SEATS_TOGETHER: Stalls has no 3 seats together left; at most 2 seats together now ` +
          `(${free} free in all). Ask for fewer seats, or accept split seats.`,
        'the page says so in words',
      )
      t.equal(await watcher.getAttribute('#buyer-error', 'role'), 'alert', 'announced')
      t.ok(await watcher.isHidden('#hold-panel'), 'no hold shown')
      t.same(await mine(watcher, 'stalls'), [], 'nothing held')

      // Split seats accepted: the same request is met by two blocks.
      await watcher.check('#best-split')
      const split = await bestHold(watcher, () => watcher.click('#best-hold'))
      t.equal(split.status, 201, 'split: held')
      t.equal(await watcher.textContent('#buyer-error'), '', 'the refusal is cleared')
      const splitSeats = split.body.items.flatMap((item) => item.seats)
      t.equal(splitSeats.length, 3, `split over ${splitSeats.join(', ')}`)
      t.same(
        (await mine(watcher, 'stalls')).slice().sort(),
        splitSeats.slice().sort(),
        'drawn as its own hold',
      )

      // Confirm and release work on picked seats as on chosen ones.
      await buyer.click('#confirm')
      await eventually('confirmed', async () => (await buyer.textContent('#hold-state')) === 'Confirmed')
      for (const seat of drawn) {
        await eventually(
          `${seat} sold in the other context`,
          async () => (await seatState(watcher, 'stalls', seat)) === 'sold',
          { deadlineMs: 1000, intervalMs: 10 },
        )
      }
      t.equal(
        await seatColour(watcher, 'stalls', drawn[0] as string),
        SOLD,
        'the other context draws it sold',
      )
      await watcher.click('#release')
      await eventually('released', async () => (await watcher.textContent('#hold-state')) === 'Released')
      for (const seat of splitSeats) {
        await eventually(
          `${seat} available again in the buyer's page`,
          async () => (await seatState(buyer, 'stalls', seat)) === 'available',
          { deadlineMs: 1000, intervalMs: 10 },
        )
      }
      t.equal(await seatColour(buyer, 'stalls', splitSeats[0] as string), AVAILABLE, 'drawn available again')
    },
  )

  await t.test('phone width: the form fits and works', async (t) => {
    const eventId = await createVenue(api)
    const phone = await newPage({ width: 375, height: 740 })
    await openSeatMap(phone, api.url, eventId)
    const widths = await phone.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      form: (document.getElementById('best') as HTMLElement).getBoundingClientRect().right,
    }))
    t.ok(widths.page <= 375, `the page is ${widths.page} px wide at 375`)
    t.ok(widths.form <= 375, `the form ends at ${widths.form} px`)
    await phone.fill('#best-quantity', '2')
    const hold = await bestHold(phone, () => phone.click('#best-hold'))
    t.equal(hold.status, 201, 'holds the best 2')
    t.equal((await mine(phone, 'stalls')).length, 2, 'drawn as its own hold')
  })

  t.same(pageErrors, [], 'no script error in any page')
})
