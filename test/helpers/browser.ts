/// <reference lib="dom" />
/**
 * Headless Chromium for the seat map page's tests: Debian's chromium driven by playwright-core, launched
 * with the flags of a closed network (no first-run, no background fetches, no component or sync traffic).
 * One browser per test file; each test opens contexts of its own.
 */
import { existsSync } from 'node:fs'
import type { Test } from 'tap'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { eventually } from './eventually.js'

export const CHROMIUM = process.env.SEATLOCK_CHROMIUM || '/usr/bin/chromium'

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/**
 * Why the browser tests cannot run here, or false. Only a missing chromium skips; CI installs it and sets
 * SEATLOCK_REQUIRE_CHROMIUM, so there a missing one fails instead of passing silently.
 */
export function browserSkip(): string | false {
  if (existsSync(CHROMIUM) || process.env.SEATLOCK_REQUIRE_CHROMIUM === '1') return false
  return `chromium not found at ${CHROMIUM} (apt-get install chromium, or set SEATLOCK_CHROMIUM)`
}

/** Launches the file's browser, closed at t's teardown. */
export async function launchBrowser(t: Test): Promise<Browser> {
  const { chromium } = await import('playwright-core')
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, headless: true })
  t.teardown(() => browser.close())
  return browser
}

/** The page's colours (ui/assets/lib/renderer.js), as a person sees them. */
export const HELD = '#e8a100'
export const SOLD = '#59616b'
export const AVAILABLE = '#2f9e5b'
/** The frame of the seats of the page's own hold. */
export const MINE = '#1f5fd6'

/** What a test reads from the page's inspector (`window.seatMapPage`, see ui/assets/app.js). */
export type SeatState = 'available' | 'held' | 'sold' | 'blocked' | undefined

export function seatState(page: Page, section: string, seat: string | number): Promise<SeatState> {
  return page.evaluate(
    ([section, seat]) =>
      (
        window as unknown as { seatMapPage: { seat(s: string, i: string | number): SeatState } }
      ).seatMapPage.seat(section, seat),
    [section, seat] as const,
  )
}

export async function seatPoint(page: Page, section: string, seat: string | number) {
  const point = await page.evaluate(
    ([section, seat]) =>
      (
        window as unknown as {
          seatMapPage: { point(s: string, i: string | number): { x: number; y: number } | undefined }
        }
      ).seatMapPage.point(section, seat),
    [section, seat] as const,
  )
  if (!point) throw new Error(`no seat ${section} ${seat} on the page`)
  return point
}

/**
 * The colour drawn at a point of the page's map canvas (page coordinates), as "#rrggbb". Read in the next
 * animation frame: the page draws a change in one (lib/renderer.js), and animation-frame callbacks run in
 * the order they were asked for, so a change the page's model already shows is painted by then.
 */
export function pixelColour(page: Page, x: number, y: number): Promise<string> {
  return page.evaluate(
    ([x, y]) =>
      new Promise<string>((resolve) =>
        requestAnimationFrame(() => {
          const canvas = document.getElementById('map') as HTMLCanvasElement
          const rect = canvas.getBoundingClientRect()
          const ratio = canvas.width / rect.width
          const [r, g, b] = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(
            Math.floor((x - rect.left) * ratio),
            Math.floor((y - rect.top) * ratio),
            1,
            1,
          ).data
          resolve('#' + [r, g, b].map((v) => (v ?? 0).toString(16).padStart(2, '0')).join(''))
        }),
      ),
    [x, y] as const,
  )
}

/** The colour drawn at a seat's centre, as "#rrggbb" (what a person sees, not the page's model). */
export async function seatColour(page: Page, section: string, seat: string | number): Promise<string> {
  const { x, y } = await seatPoint(page, section, seat)
  // Two pixels off the centre: the centre of a wheelchair space carries its white mark.
  return pixelColour(page, x - 2, y - 2)
}

/**
 * Pages in contexts of their own (closed at t's teardown), with every script error of every page
 * collected: a page that throws has failed, whatever it still shows.
 */
export function pageOpener(t: Test, browser: Browser) {
  const contexts: BrowserContext[] = []
  const pageErrors: string[] = []
  t.teardown(async () => {
    for (const context of contexts) await context.close()
  })
  async function newPage(viewport = { width: 1200, height: 900 }): Promise<Page> {
    const context = await browser.newContext({ viewport })
    contexts.push(context)
    const page = await context.newPage()
    page.on('pageerror', (error) => pageErrors.push(error.message))
    return page
  }
  return { newPage, pageErrors }
}

/** Opens the seat map page of an event and waits until its seats are drawn, labels read and stream live. */
export async function openSeatMap(page: Page, baseUrl: string, eventId: string): Promise<void> {
  await page.goto(`${baseUrl}/ui/events/${eventId}`)
  await eventually(
    'the seat map drawn, its labels read and its stream live',
    () =>
      page.evaluate(() => {
        const inspector = (window as unknown as { seatMapPage?: { drawnMs?: number; labelsLoaded: boolean } })
          .seatMapPage
        return (
          inspector?.drawnMs !== undefined &&
          inspector.labelsLoaded &&
          document.getElementById('connection')?.textContent === 'Live'
        )
      }),
    // A wait, not a bound: a cold browser on a machine running other suites can take a while.
    { deadlineMs: 30_000 },
  )
}
