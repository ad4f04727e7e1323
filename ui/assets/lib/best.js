/**
 * "N best available" in buyer mode: which sections may be asked, the hold item that asks, where the seats
 * the service picked sit on the map, and what a refusal says to a person. Pure: the panel in buyer.js
 * wires it to the page.
 *
 * The service picks the seats inside the hold (README, "Best available"): only in seated sections given
 * as rows, since only rows say which seats are neighbours, and at most 15 together.
 */
import { apiError } from './format.js'

/** The most seats one best-available item may ask for (the API's bound; MAX_SEATS_PER_HOLD may be lower). */
export const MAX_TOGETHER = 15

/**
 * @typedef {{ id: string, name: string, kind: string, rowNames?: string[] }} BestSectionShape
 * @typedef {{ section: string, quantity: number, together: true, split?: true }} BestItem
 */

/**
 * The sections a buyer may ask for seats together in: seated ones given as rows (their seat map has rows).
 * @param {BestSectionShape[]} sections
 * @returns {{ id: string, name: string }[]}
 */
export function bestSections(sections) {
  return sections
    .filter((s) => s.kind === 'seated' && Array.isArray(s.rowNames) && s.rowNames.length > 0)
    .map((s) => ({ id: s.id, name: s.name }))
}

/**
 * The hold item for "quantity best seats together in section", or why the form's input cannot be sent.
 * @param {string} section
 * @param {string} quantityText the quantity field's value
 * @param {boolean} split accept two blocks (a row or two) when no block of that many is left
 * @returns {{ item: BestItem, error?: undefined } | { item?: undefined, error: string }}
 */
export function bestItem(section, quantityText, split) {
  if (!section) return { error: 'Choose a section.' }
  const text = quantityText.trim()
  const quantity = Number(text)
  if (text === '' || !Number.isInteger(quantity) || quantity < 1 || quantity > MAX_TOGETHER)
    return { error: `Ask for 1 to ${MAX_TOGETHER} seats together.` }
  /** @type {BestItem} */
  const item = { section, quantity, together: true }
  if (split) item.split = true
  return { item }
}

/**
 * Where the seats of a hold view's items are in the page's sections (positions in the seat map's order),
 * found by their labels. Items or seats the page does not know are left out.
 * @param {{ section: string, seats?: string[] }[]} items the 201's `items`
 * @param {{ labels?: string[] }[]} sections
 * @param {Map<string, number>} sectionIndex section id → index in `sections`
 * @returns {Map<number, number[]>} section index → positions, ascending
 */
export function heldPositions(items, sections, sectionIndex) {
  /** @type {Map<number, number[]>} */
  const held = new Map()
  for (const item of items) {
    const s = sectionIndex.get(item.section)
    const labels = s === undefined ? undefined : sections[s]?.labels
    if (s === undefined || !labels || !Array.isArray(item.seats)) continue
    const wanted = new Set(item.seats)
    const positions = held.get(s) ?? []
    labels.forEach((label, i) => {
      if (wanted.has(label)) positions.push(i)
    })
    if (positions.length > 0)
      held.set(
        s,
        positions.sort((a, b) => a - b),
      )
  }
  return held
}

/** @param {number} n */
const seats = (n) => `${n} seat${n === 1 ? '' : 's'}`

/**
 * One line for a refused best-available hold: its code first, as every refusal on the page, then what
 * it means for this request in words.
 * @param {unknown} body the error answer
 * @param {number} status
 * @param {{ sectionName: string, quantity: number, split: boolean }} asked
 * @returns {string}
 */
export function bestRefusal(body, status, { sectionName, quantity, split }) {
  const answer = /** @type {{ code?: unknown, details?: Record<string, unknown> } | null} */ (
    body && typeof body === 'object' ? body : null
  )
  if (answer?.code === 'NO_SEATS_TOGETHER') {
    const details = answer.details ?? {}
    const largest = typeof details.largest === 'number' ? details.largest : undefined
    const available = typeof details.available === 'number' ? details.available : undefined
    if (available === 0) return `NO_SEATS_TOGETHER: ${sectionName} has no free seats left.`
    const head =
      quantity === 1
        ? `NO_SEATS_TOGETHER: ${sectionName} has no seat to offer`
        : split
          ? `NO_SEATS_TOGETHER: ${sectionName} has no ${quantity} seats left, even split over a row or two`
          : `NO_SEATS_TOGETHER: ${sectionName} has no ${quantity} seats together left`
    const free = available === undefined ? '' : ` (${available} free in all)`
    const most =
      largest === undefined
        ? free
        : largest > 0
          ? `; at most ${seats(largest)} together now${free}`
          : `; none can be offered together now${free}`
    const advice =
      quantity === 1 ? '' : split ? ' Ask for fewer seats.' : ' Ask for fewer seats, or accept split seats.'
    return `${head}${most}.${advice}`
  }
  if (answer?.code === 'NOT_IN_ROWS')
    return `NOT_IN_ROWS: ${sectionName} is not laid out in rows, so seats together cannot be picked there.`
  return apiError(body, status)
}
