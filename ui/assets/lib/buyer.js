/**
 * Buyer mode: select seats, take a hold, watch its countdown, confirm, extend or release it. The hold's
 * token lives in this closure only: never in the URL, storage, a cookie or the page's inspector, so
 * nothing but this code can act on the hold (the API's rule: the token is the hold).
 */
import { call, segment } from './api.js'
import { bestItem, bestRefusal, bestSections, heldPositions } from './best.js'
import { apiError, money, timeLeft } from './format.js'
import { seatState, withChar } from './seat-status.js'

const $ = (id) => /** @type {any} */ (document.getElementById(id))

/**
 * @param {{ eventPath: string, sections: any[], sectionIndex: Map<string, number>,
 *   labelsReady: () => Promise<void> | undefined, setStatus: (s: number, status: string) => void,
 *   invalidate: (s: number, indices: number[]) => void, refresh: (ids: string[]) => void,
 *   onSelectionChange: () => void }} page
 */
export function createBuyer(page) {
  const { sections } = page
  /** @type {{ id: string, token: string, expiresLocal: number, seats: Map<number, number[]>, done: boolean } | undefined} */
  let hold
  /** Server time minus this page's clock, from the hold's createdAt: the countdown uses the server's expiry. */
  let clockOffset = 0
  let ticker
  let busy = false
  /** While this page confirms or releases, the stream's report of it waits for the answer, which says more. */
  let acting = false

  $('holder').value = `guest-${Math.random().toString(36).slice(2, 8)}`

  const status = (text) => {
    $('buyer-status').textContent = text
  }
  const error = (text) => {
    $('buyer-error').textContent = text
  }

  function selectedCount() {
    return sections.reduce((n, s) => n + s.selected.size, 0)
  }

  function describeSelection() {
    const n = selectedCount()
    const names = []
    for (const section of sections) {
      for (const i of section.selected) names.push(`${section.name} ${section.labels?.[i] ?? `#${i + 1}`}`)
    }
    $('selection').textContent =
      n === 0
        ? 'No seats selected. Click seats, or use the keyboard on the map.'
        : `${n} seat${n === 1 ? '' : 's'} selected: ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', …' : ''}`
    $('hold').disabled = n === 0 || busy
    $('clear').disabled = n === 0
  }

  /** Select or unselect a seat: only an available seat, not one of the page's own hold, can be selected. */
  function toggle(s, i) {
    const section = sections[s]
    if (!section || section.kind !== 'seated') return
    if (section.selected.has(i)) section.selected.delete(i)
    else if (seatState(section.status[i]) === 'available' && !section.mine.has(i)) section.selected.add(i)
    else {
      status(`That seat is ${seatState(section.status[i])}.`)
      return
    }
    page.invalidate(s, [i])
    describeSelection()
    page.onSelectionChange()
  }

  function clearSelection() {
    sections.forEach((section, s) => {
      const was = [...section.selected]
      section.selected.clear()
      page.invalidate(s, was)
    })
    describeSelection()
    page.onSelectionChange()
  }

  /**
   * The common start of a hold request: one hold at a time, and the seats' labels read (a hold names
   * seats by label, and its answer is drawn by them). False when the request cannot go ahead.
   */
  async function begin() {
    if (hold && !hold.done) {
      error('Finish the hold you have first (confirm or release it).')
      return false
    }
    setBusy(true)
    error('')
    status('Holding…')
    try {
      await page.labelsReady()
    } catch (e) {
      setBusy(false)
      status('')
      error(`Seat names could not be read: ${e.message}`)
      return false
    }
    return true
  }

  function setBusy(value) {
    busy = value
    describeSelection()
    $('best-hold').disabled = value
  }

  /**
   * Sends the hold and, once taken, draws its seats as the page's own: `seatsOf` says where the held
   * seats are (the selection, or the seats the service picked). A refusal is shown as `refusal` words it.
   * @param {object[]} items
   * @param {(body: { items: { section: string, seats?: string[] }[] }) => Map<number, number[]>} seatsOf
   * @param {(body: unknown, status: number) => string} refusal
   * @param {boolean} picked the service chose the seats (best available), not the buyer
   */
  async function request(items, seatsOf, refusal, picked) {
    const ttlSeconds = Number($('ttl').value) || undefined
    const res = await call('POST', `${page.eventPath}/holds`, {
      body: { holder: $('holder').value, ttlSeconds, items },
    })
    setBusy(false)
    status('')
    if (!res.ok) {
      error(refusal(res.body, res.status))
      // The map may be behind (a seat taken a moment ago): read what was asked for again.
      page.refresh(items.map((item) => item.section))
      return
    }
    const received = Date.now()
    clockOffset = Date.parse(res.body.createdAt) - received
    const seats = seatsOf(res.body)
    hold = {
      id: res.body.id,
      token: res.body.token,
      expiresLocal: Date.parse(res.body.expiresAt) - clockOffset,
      seats,
      done: false,
    }
    for (const [s, indices] of seats) {
      const section = sections[s]
      for (const i of indices) {
        section.selected.delete(i)
        section.mine.add(i)
      }
      // Drawn held at once: the seat map read the stream triggers confirms it a moment later.
      page.setStatus(s, withChar(section.status, indices, 'h'))
      page.invalidate(s, indices)
    }
    describeSelection()
    page.onSelectionChange()
    showHold('Held')
    // Seats the service picked are named, so a screen reader hears where they are.
    const n = countSeats()
    status(`Hold taken: ${n} seat${n === 1 ? '' : 's'}${picked ? `: ${holdSeatNames()}` : ''}.`)
  }

  /** Holds the selected seats. */
  async function take() {
    if (!(await begin())) return
    const items = []
    const seats = new Map()
    sections.forEach((section, s) => {
      if (section.selected.size === 0) return
      const indices = [...section.selected].sort((a, b) => a - b)
      seats.set(s, indices)
      items.push({ section: section.id, seats: indices.map((i) => section.labels[i]) })
    })
    await request(items, () => seats, apiError, false)
  }

  /** Holds the best N seats together of the chosen section: the service picks them in the hold. */
  async function takeBest() {
    const sectionId = $('best-section').value
    const split = $('best-split').checked === true
    const asked = bestItem(sectionId, $('best-quantity').value, split)
    if (asked.error !== undefined) {
      status('')
      error(asked.error)
      return
    }
    if (!(await begin())) return
    const sectionName = sections[page.sectionIndex.get(sectionId)]?.name ?? sectionId
    await request(
      [asked.item],
      (body) => heldPositions(body.items, sections, page.sectionIndex),
      (body, code) => bestRefusal(body, code, { sectionName, quantity: asked.item.quantity, split }),
      true,
    )
  }

  /** The event is read: the best-available form offers the sections given as rows, or stays hidden. */
  function sectionsLoaded() {
    const offered = bestSections(sections)
    $('best-section').replaceChildren(
      ...offered.map(({ id, name }) => {
        const option = document.createElement('option')
        option.value = id
        option.textContent = name
        return option
      }),
    )
    $('best').hidden = offered.length === 0
  }

  function countSeats() {
    let n = 0
    for (const indices of hold?.seats.values() ?? []) n += indices.length
    return n
  }

  function holdSeatNames() {
    const names = []
    for (const [s, indices] of hold.seats) {
      for (const i of indices) names.push(`${sections[s].name} ${sections[s].labels?.[i] ?? i + 1}`)
    }
    return names.join(', ')
  }

  function showHold(state) {
    $('hold-panel').hidden = false
    $('hold-state').textContent = state
    $('hold-seats').textContent = holdSeatNames()
    const active = !hold.done
    $('confirm').disabled = !active
    $('extend').disabled = !active
    $('release').disabled = !active
    clearInterval(ticker)
    if (active) {
      tick()
      ticker = setInterval(tick, 250)
    }
  }

  let checking = false
  function tick() {
    if (!hold || hold.done) return
    const left = hold.expiresLocal - Date.now()
    $('countdown').textContent = timeLeft(left)
    // At zero, ask the service (the stream's hold.expired usually says so first).
    if (left <= 0 && !checking) {
      checking = true
      void call('GET', `${holdPath()}`, { token: hold.token }).then((res) => {
        checking = false
        if (!hold || hold.done) return
        if (res.status === 410) finish('Expired', 'a', 'Your hold expired; its seats are available again.')
        else if (res.ok && typeof res.body.ttlMs === 'number') hold.expiresLocal = Date.now() + res.body.ttlMs
      })
    }
  }

  const holdPath = () => `${page.eventPath}/holds/${segment(hold.id)}`

  /** The hold is over: its seats drawn as `char` (sold, or available again) until the next read. */
  function finish(state, char, message) {
    if (!hold || hold.done) return
    hold.done = true
    clearInterval(ticker)
    $('countdown').textContent = timeLeft(0)
    for (const [s, indices] of hold.seats) {
      const section = sections[s]
      for (const i of indices) section.mine.delete(i)
      page.setStatus(s, withChar(section.status, indices, char))
      page.invalidate(s, indices)
      page.refresh([section.id])
    }
    showHold(state)
    status(message)
  }

  async function confirm() {
    if (!hold || hold.done) return
    error('')
    status('Confirming…')
    acting = true
    const res = await call('POST', `${holdPath()}/confirm`, { token: hold.token })
    acting = false
    if (res.ok) {
      finish(
        'Confirmed',
        's',
        `Confirmed: reservation ${res.body.id}, ${money(res.body.amount, res.body.currency)}.`,
      )
    } else if (res.body?.code === 'HOLD_EXPIRED') {
      finish('Expired', 'a', 'Your hold expired before the confirm; its seats are available again.')
    } else {
      status('')
      error(apiError(res.body, res.status))
    }
  }

  async function release() {
    if (!hold || hold.done) return
    error('')
    acting = true
    const res = await call('DELETE', holdPath(), { token: hold.token })
    acting = false
    if (res.ok || res.status === 410) finish('Released', 'a', 'Released: the seats are available again.')
    else error(apiError(res.body, res.status))
  }

  async function extend() {
    if (!hold || hold.done) return
    error('')
    const ttlSeconds = Number($('ttl').value) || 600
    const res = await call('POST', `${holdPath()}/extend`, { token: hold.token, body: { ttlSeconds } })
    if (res.ok) {
      hold.expiresLocal = Date.parse(res.body.expiresAt) - clockOffset
      status(`Extended: ${timeLeft(hold.expiresLocal - Date.now())} left.`)
      tick()
    } else if (res.status === 410) {
      finish('Expired', 'a', 'Your hold expired; its seats are available again.')
    } else error(apiError(res.body, res.status))
  }

  $('hold').addEventListener('click', () => void take())
  $('best').addEventListener('submit', (event) => {
    event.preventDefault()
    void takeBest()
  })
  $('clear').addEventListener('click', clearSelection)
  $('confirm').addEventListener('click', () => void confirm())
  $('release').addEventListener('click', () => void release())
  $('extend').addEventListener('click', () => void extend())

  return {
    toggle,
    sectionsLoaded,
    /** The stream said something about the page's hold (another tab, the sweeper, an admin). */
    onChange(change) {
      if (!hold || hold.done || change.holdId !== hold.id) return
      if (acting && (change.type === 'hold.confirmed' || change.type === 'hold.released')) return
      if (change.type === 'hold.expired')
        finish('Expired', 'a', 'Your hold expired; its seats are available again.')
      else if (change.type === 'hold.released') finish('Released', 'a', 'Your hold was released.')
      else if (change.type === 'hold.confirmed') finish('Confirmed', 's', 'Your hold was confirmed.')
      else if (change.type === 'hold.extended' && change.expiresAt)
        hold.expiresLocal = Date.parse(change.expiresAt) - clockOffset
    },
    /** Seats changed on a read: selected ones taken by someone else are unselected, and the buyer told. */
    onSeats(s, _changed, lost) {
      if (lost.length === 0) return
      describeSelection()
      const names = lost.map((i) => `${sections[s].name} ${sections[s].labels?.[i] ?? i + 1}`)
      status(`No longer available, unselected: ${names.join(', ')}.`)
    },
  }
}
