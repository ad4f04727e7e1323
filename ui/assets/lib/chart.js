/**
 * Small multiples of held and sold seats per section over time, on a canvas: one row per section, each
 * scaled to its own largest value in the window (a 10-seat hold shows in a 2,000-seat section).
 */

const ROW = 34
const NAME_WIDTH = 70
const VALUE_WIDTH = 76
const MAX_SECTIONS = 12

/**
 * @param {HTMLCanvasElement} canvas
 * @param {{ name: string }[]} sections
 * @param {{ held: number[], sold: number[] }[]} series one entry per section, oldest sample first
 * @param {number} capacity samples the x axis holds
 */
export function drawChart(canvas, sections, series, capacity) {
  const shown = Math.min(sections.length, MAX_SECTIONS)
  const width = canvas.clientWidth || 300
  const height = Math.max(ROW, shown * ROW)
  const ratio = window.devicePixelRatio || 1
  if (canvas.width !== Math.ceil(width * ratio) || canvas.height !== Math.ceil(height * ratio)) {
    canvas.width = Math.ceil(width * ratio)
    canvas.height = Math.ceil(height * ratio)
    canvas.style.height = `${height}px`
  }
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'))
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0)
  ctx.clearRect(0, 0, width, height)
  const plot = Math.max(20, width - NAME_WIDTH - VALUE_WIDTH)
  const step = plot / Math.max(1, capacity - 1)
  for (let s = 0; s < shown; s++) {
    const top = s * ROW
    const { held, sold } = series[s]
    const max = Math.max(1, ...held, ...sold)
    ctx.fillStyle = '#1b1f24'
    ctx.font = '11px system-ui, sans-serif'
    ctx.textBaseline = 'middle'
    ctx.textAlign = 'left'
    ctx.fillText(sections[s].name, 0, top + ROW / 2, NAME_WIDTH - 6)
    ctx.strokeStyle = '#d9dde2'
    ctx.lineWidth = 1
    ctx.beginPath()
    ctx.moveTo(NAME_WIDTH, top + ROW - 3.5)
    ctx.lineTo(NAME_WIDTH + plot, top + ROW - 3.5)
    ctx.stroke()
    /** @type {[number[], string][]} */
    const lines = [
      [sold, '#59616b'],
      [held, '#e8a100'],
    ]
    for (const [values, colour] of lines) {
      const offset = capacity - values.length
      ctx.strokeStyle = colour
      ctx.lineWidth = 1.5
      ctx.beginPath()
      values.forEach((v, i) => {
        const x = NAME_WIDTH + (offset + i) * step
        const y = top + ROW - 4 - (v / max) * (ROW - 8)
        if (i === 0) ctx.moveTo(x, y)
        else ctx.lineTo(x, y)
      })
      ctx.stroke()
    }
    ctx.fillStyle = '#4f5862'
    ctx.textAlign = 'right'
    ctx.fillText(`${held.at(-1) ?? 0} h · ${sold.at(-1) ?? 0} s`, width, top + ROW / 2)
  }
  return shown
}
