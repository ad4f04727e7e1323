/** Text for people: counts, money and time left. */

const numbers = new Intl.NumberFormat('en')

/** @param {number} n */
export function count(n) {
  return numbers.format(n)
}

/** "9:05" for 545,000 ms; "0:00" once past. Rounded up, so "0:00" only shows when the time is really up. */
export function timeLeft(ms) {
  const seconds = Math.max(0, Math.ceil(ms / 1000))
  const minutes = Math.floor(seconds / 60)
  return `${minutes}:${String(seconds % 60).padStart(2, '0')}`
}

/** Minor units as money: 4500 EUR is "EUR 45.00" (currencies with other exponents still read sensibly). */
export function money(minor, currency) {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).format(minor / 100)
  } catch {
    return `${currency} ${(minor / 100).toFixed(2)}`
  }
}

/** One line for an API error answer: its stable code, its message, and the seats it names. */
export function apiError(body, status) {
  if (body && typeof body === 'object' && typeof body.code === 'string') {
    const seats = Array.isArray(body.details?.seats)
      ? ` (${body.details.seats.map((s) => `${s.section} ${s.seat}`).join(', ')})`
      : ''
    return `${body.code}: ${body.message}${seats}`
  }
  return `HTTP ${status}`
}
