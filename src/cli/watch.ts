/**
 * Operator terminal view of one event: live counts per section and the latest hold activity, from
 * the event's change stream (GET /v1/events/:eventId/stream).
 *
 *   npm run watch -- <eventId> [--lines N]        SEATLOCK_URL (default http://127.0.0.1:3000)
 *
 * On a terminal the view is redrawn in place (alternate screen, plain ANSI); piped, it prints one line per
 * change. Reconnects when the stream drops (a fresh snapshot brings the counts back); Ctrl-C exits.
 */
import { parseArgs } from 'node:util'
import { readEventStream, SseHttpError } from '../lib/sse.js'
import type { EventView } from '../schemas/events.js'
import type { ChangeMessage } from '../schemas/stream.js'
import { Screen } from './watch-terminal.js'
import { WatchView } from './watch-view.js'

const USAGE = 'usage: npm run watch -- <eventId> [--lines N]   (SEATLOCK_URL, default http://127.0.0.1:3000)'
const MAX_BACKOFF_MS = 10_000

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { lines: { type: 'string', default: '20' }, help: { type: 'boolean', short: 'h' } },
  })
  const eventId = positionals[0]
  const keep = Number(values.lines)
  if (values.help || eventId === undefined || !Number.isInteger(keep) || keep < 1) {
    process.stderr.write(`${USAGE}\n`)
    process.exit(values.help ? 0 : 2)
  }
  const base = (process.env.SEATLOCK_URL || 'http://127.0.0.1:3000').replace(/\/+$/, '')
  const url = `${base}/v1/events/${encodeURIComponent(eventId)}/stream`
  const view = new WatchView(eventId, base, keep)
  const screen = new Screen(view)
  const stop = new AbortController()

  const quit = (code: number) => {
    stop.abort()
    screen.close()
    process.exit(code)
  }
  process.on('SIGINT', () => quit(0))
  process.on('SIGTERM', () => quit(0))
  process.on('exit', () => screen.close())

  screen.open()
  const tick = setInterval(() => screen.draw(), 1000) // countdowns
  tick.unref()

  let backoff = 1000
  while (!stop.signal.aborted) {
    view.status = 'connecting'
    screen.draw()
    try {
      for await (const item of readEventStream(url, stop.signal)) {
        if (item.kind !== 'event') continue
        if (item.event === 'snapshot') {
          view.snapshot(JSON.parse(item.data) as EventView)
          view.status = 'live'
          backoff = 1000
          screen.print(
            view.sections
              .map(
                (s) => `${s.id}: ${s.available} available, ${s.held} held, ${s.sold} sold of ${s.capacity}`,
              )
              .join('; '),
          )
        } else {
          const line = view.apply(JSON.parse(item.data) as ChangeMessage)
          screen.print(view.describe(line))
        }
        screen.schedule()
      }
      if (stop.signal.aborted) break
      view.status = `stream ended; reconnecting in ${backoff / 1000} s`
    } catch (error) {
      if (
        error instanceof SseHttpError &&
        error.status >= 400 &&
        error.status < 500 &&
        error.status !== 429
      ) {
        screen.close()
        process.stderr.write(`seatlock watch: ${url}: ${error.message}\n`)
        process.exit(1)
      }
      view.status = `disconnected (${(error as Error).message}); reconnecting in ${backoff / 1000} s`
    }
    screen.print(view.status)
    screen.draw()
    await new Promise((resolve) => setTimeout(resolve, backoff))
    backoff = Math.min(MAX_BACKOFF_MS, backoff * 2)
  }
  clearInterval(tick)
}

await main()
