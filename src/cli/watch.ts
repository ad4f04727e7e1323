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
import type { ChangeMessage, SectionCountsView } from '../schemas/stream.js'

interface Section {
  id: string
  name: string
  kind: string
  capacity: number
  available: number
  held: number
  sold: number
}

interface Line {
  /** Local time the change arrived. */
  at: number
  type: ChangeMessage['type']
  id: string
  detail: string
  holdId: string | undefined
}

interface LiveHold {
  expiresAt: number
  detail: string
}

const USAGE = 'usage: npm run watch -- <eventId> [--lines N]   (SEATLOCK_URL, default http://127.0.0.1:3000)'
const EXPIRING_MS = 30_000
const MAX_BACKOFF_MS = 10_000
const REDRAW_MS = 100

const color = !process.env.NO_COLOR && process.stdout.isTTY
const paint = (code: string) => (text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text)
const bold = paint('1')
const dim = paint('2')
const red = paint('31')
const green = paint('32')
const yellow = paint('33')
const blue = paint('34')
const magenta = paint('35')
const cyan = paint('36')

const TYPE_STYLE: Record<ChangeMessage['type'], (text: string) => string> = {
  'hold.created': green,
  'hold.extended': cyan,
  'hold.released': blue,
  'hold.expired': yellow,
  'hold.confirmed': magenta,
  'reservation.cancelled': red,
}

/** Visible length of a string with ANSI colour codes. */
function visible(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '').length
}

function pad(text: string, width: number, right = false): string {
  const fill = ' '.repeat(Math.max(0, width - visible(text)))
  return right ? fill + text : text + fill
}

/** Cuts a line to the terminal width, keeping colour codes intact. */
function fit(text: string, width: number): string {
  if (visible(text) <= width) return text
  let out = ''
  let shown = 0
  for (let i = 0; i < text.length && shown < width - 1;) {
    // eslint-disable-next-line no-control-regex
    const code = /^\x1b\[[0-9;]*m/.exec(text.slice(i))
    if (code) {
      out += code[0]
      i += code[0].length
    } else {
      out += text[i]
      shown++
      i++
    }
  }
  return `${out}…${color ? '\x1b[0m' : ''}`
}

function clock(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 8)
}

function duration(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const rest = String(s % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`
}

function short(id: string): string {
  return id.length > 10 ? id.slice(0, 10) : id
}

class WatchView {
  name = ''
  sections: Section[] = []
  lines: Line[] = []
  live = new Map<string, LiveHold>()
  status = 'connecting'
  changes = 0
  lastChangeAt: number | undefined
  /** Local clock minus Redis clock (smallest seen, so it includes the least delivery delay). */
  private offset: number | undefined

  constructor(
    readonly eventId: string,
    readonly url: string,
    readonly keep: number,
  ) {}

  /** Redis-clock "now", for countdowns to expiresAt (which is Redis time). */
  serverNow(): number {
    return Date.now() - (this.offset ?? 0)
  }

  snapshot(view: EventView): void {
    this.name = view.name
    this.sections = view.sections.map((s) => ({ ...s }))
  }

  /** Applies a change and records its line (units per section, derived from the count deltas). */
  apply(change: ChangeMessage): Line {
    const now = Date.now()
    const observed = now - Date.parse(change.at)
    this.offset = this.offset === undefined ? observed : Math.min(this.offset, observed)
    const parts: string[] = []
    for (const next of change.sections) {
      const section = this.sections.find((s) => s.id === next.id)
      if (section) {
        parts.push(...this.delta(section, next))
        Object.assign(section, next)
      }
    }
    const detail = parts.join(' ')
    const holdId = change.holdId
    if (holdId !== undefined) {
      if ((change.type === 'hold.created' || change.type === 'hold.extended') && change.expiresAt) {
        const before = this.live.get(holdId)
        this.live.set(holdId, {
          expiresAt: Date.parse(change.expiresAt),
          detail: change.type === 'hold.created' ? detail : (before?.detail ?? ''),
        })
      } else {
        this.live.delete(holdId)
      }
    }
    const line: Line = {
      at: now,
      type: change.type,
      id: holdId ?? change.reservationId ?? '',
      detail: change.type === 'hold.extended' ? (this.live.get(holdId ?? '')?.detail ?? '') : detail,
      holdId,
    }
    this.lines.unshift(line)
    this.lines.length = Math.min(this.lines.length, this.keep)
    this.changes++
    this.lastChangeAt = now
    return line
  }

  private delta(before: Section, after: SectionCountsView): string[] {
    const out: string[] = []
    const held = after.held - before.held
    const sold = after.sold - before.sold
    if (held !== 0) out.push(`${before.id} ${held > 0 ? '+' : ''}${held}`)
    if (sold !== 0) out.push(`${before.id} sold ${sold > 0 ? '+' : ''}${sold}`)
    return out
  }

  /** The time-to-expiry column of a line: live holds count down, expiring ones stand out. */
  expiry(line: Line): string {
    const hold = line.holdId === undefined ? undefined : this.live.get(line.holdId)
    if (!hold) return ''
    const left = hold.expiresAt - this.serverNow()
    if (left <= 0) return red('expiring now')
    const text = `expires in ${duration(left)}`
    return left <= EXPIRING_MS ? yellow(text) : dim(text)
  }

  describe(line: Line): string {
    return `${clock(line.at)}  ${pad(TYPE_STYLE[line.type](line.type), 22)} ${pad(short(line.id), 11)} ${line.detail}`
  }

  render(width: number, height: number): string {
    const out: string[] = []
    const live = this.status === 'live' ? green('● live') : yellow(`○ ${this.status}`)
    out.push(`${bold(`seatlock · ${this.eventId}`)}${this.name ? ` — ${this.name}` : ''}   ${live}`)
    const last = this.lastChangeAt === undefined ? 'none yet' : `last ${clock(this.lastChangeAt)}`
    out.push(dim(`${this.url}   changes: ${this.changes} (${last})   Ctrl-C to quit`))
    out.push('')
    const w = [14, 8, 10, 10, 10, 10]
    out.push(
      bold(
        [
          pad('SECTION', w[0] ?? 0),
          pad('KIND', w[1] ?? 0),
          pad('CAPACITY', w[2] ?? 0, true),
          pad('AVAILABLE', w[3] ?? 0, true),
          pad('HELD', w[4] ?? 0, true),
          pad('SOLD', w[5] ?? 0, true),
        ].join(' '),
      ),
    )
    const total = { capacity: 0, available: 0, held: 0, sold: 0 }
    for (const s of this.sections) {
      total.capacity += s.capacity
      total.available += s.available
      total.held += s.held
      total.sold += s.sold
      const bar = this.bar(s, 20)
      out.push(
        [
          pad(s.id, w[0] ?? 0),
          pad(s.kind, w[1] ?? 0),
          pad(String(s.capacity), w[2] ?? 0, true),
          pad(green(String(s.available)), w[3] ?? 0, true),
          pad(yellow(String(s.held)), w[4] ?? 0, true),
          pad(magenta(String(s.sold)), w[5] ?? 0, true),
          ` ${bar}`,
        ].join(' '),
      )
    }
    if (this.sections.length > 1) {
      out.push(
        dim(
          [
            pad('total', w[0] ?? 0),
            pad('', w[1] ?? 0),
            pad(String(total.capacity), w[2] ?? 0, true),
            pad(String(total.available), w[3] ?? 0, true),
            pad(String(total.held), w[4] ?? 0, true),
            pad(String(total.sold), w[5] ?? 0, true),
          ].join(' '),
        ),
      )
    }
    out.push('')
    const now = this.serverNow()
    const expiring = [...this.live.values()].filter((h) => h.expiresAt - now <= EXPIRING_MS).length
    out.push(
      bold(`HOLDS SEEN LIVE ${this.live.size}`) +
        (expiring > 0 ? `   ${yellow(`${expiring} expiring within ${EXPIRING_MS / 1000} s`)}` : ''),
    )
    const room = Math.max(1, height - out.length - 1)
    for (const line of this.lines.slice(0, room)) {
      const expiry = this.expiry(line)
      out.push(`${this.describe(line)}${expiry ? `   ${expiry}` : ''}`)
    }
    if (this.lines.length === 0) out.push(dim('  (waiting for changes)'))
    return out.map((l) => fit(l, width)).join('\n')
  }

  private bar(s: Section, width: number): string {
    if (s.capacity <= 0) return ''
    const sold = Math.round((s.sold / s.capacity) * width)
    const held = Math.min(width - sold, Math.round((s.held / s.capacity) * width))
    return magenta('█'.repeat(sold)) + yellow('▓'.repeat(held)) + dim('░'.repeat(width - sold - held))
  }
}

class Screen {
  private active = false
  private pending: NodeJS.Timeout | undefined

  constructor(private readonly view: WatchView) {}

  open(): void {
    if (!process.stdout.isTTY) return
    this.active = true
    process.stdout.write('\x1b[?1049h\x1b[?25l') // alternate screen, hide cursor
    process.stdout.on('resize', () => this.draw())
  }

  close(): void {
    clearTimeout(this.pending)
    if (!this.active) return
    this.active = false
    process.stdout.write('\x1b[?25h\x1b[?1049l')
  }

  /** Redraws soon (at most every REDRAW_MS), so a burst of changes costs one frame. */
  schedule(): void {
    if (!this.active || this.pending) return
    this.pending = setTimeout(() => {
      this.pending = undefined
      this.draw()
    }, REDRAW_MS)
  }

  draw(): void {
    if (!this.active) return
    const frame = this.view.render(process.stdout.columns || 100, process.stdout.rows || 30)
    process.stdout.write(`\x1b[H${frame.split('\n').join('\x1b[K\n')}\x1b[K\x1b[J`)
  }

  /** Piped output: one line per item. */
  print(text: string): void {
    if (!this.active) process.stdout.write(`${text}\n`)
  }
}

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
