/**
 * The terminal side of the operator view (npm run watch): colours (off when piped or NO_COLOR is set),
 * widths that ignore colour codes, and the screen, redrawn in place on a terminal or printed line by line
 * when piped.
 */

const REDRAW_MS = 100

export const color = !process.env.NO_COLOR && process.stdout.isTTY
const paint = (code: string) => (text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text)
export const bold = paint('1')
export const dim = paint('2')
export const red = paint('31')
export const green = paint('32')
export const yellow = paint('33')
export const blue = paint('34')
export const magenta = paint('35')
export const cyan = paint('36')

/** Visible length of a string with ANSI colour codes. */
function visible(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '').length
}

export function pad(text: string, width: number, right = false): string {
  const fill = ' '.repeat(Math.max(0, width - visible(text)))
  return right ? fill + text : text + fill
}

/** Cuts a line to the terminal width, keeping colour codes intact. */
export function fit(text: string, width: number): string {
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

/** What the screen shows: a frame for the terminal's size. */
export interface Frame {
  render(width: number, height: number): string
}

export class Screen {
  private active = false
  private pending: NodeJS.Timeout | undefined

  constructor(private readonly view: Frame) {}

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
