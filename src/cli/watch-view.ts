/**
 * The operator view's model of one event (npm run watch): counts per section from the snapshot and each
 * change, the latest changes, the holds seen live and their countdowns, and how it is all drawn.
 */
import type { EventView } from '../schemas/events.js'
import type { ChangeMessage, SectionCountsView } from '../schemas/stream.js'
import { blue, bold, cyan, dim, fit, green, magenta, pad, red, yellow } from './watch-terminal.js'

interface Section {
  id: string
  name: string
  kind: string
  capacity: number
  available: number
  held: number
  sold: number
}

export interface Line {
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

const EXPIRING_MS = 30_000

const TYPE_STYLE: Record<ChangeMessage['type'], (text: string) => string> = {
  'hold.created': green,
  'hold.extended': cyan,
  'hold.released': blue,
  'hold.expired': yellow,
  'hold.confirmed': magenta,
  'reservation.cancelled': red,
  'seats.blocked': yellow,
  'seats.unblocked': cyan,
  'seats.released': green,
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

export class WatchView {
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
