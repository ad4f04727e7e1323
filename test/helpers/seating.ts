/**
 * Best available, checked from outside: the structure a section keeps in Redis (occupancy bitmap, row
 * classes, run index) recomputed from the seat keys alone, and an oracle for "a block of n fits".
 */
import type { Test } from 'tap'
import { RANK_SPAN, RUN_CLASSES } from '../../src/domain/seating.js'
import type { LoneSeatRule, SectionSeating } from '../../src/domain/seating.js'
import type { TestApp } from './app.js'

/** Free runs of a row given as taken flags: [offset, length] in row order. */
export function runsOf(taken: readonly boolean[]): [number, number][] {
  const runs: [number, number][] = []
  let from = -1
  taken.forEach((t, off) => {
    if (t && from >= 0) {
      runs.push([from, off - from])
      from = -1
    } else if (!t && from < 0) from = off
  })
  if (from >= 0) runs.push([from, taken.length - from])
  return runs
}

/** True when n adjacent free seats can be taken in a row under the rule (strict: no new lone seat). */
export function fitsIn(taken: readonly boolean[], n: number, rule: LoneSeatRule): boolean {
  return runsOf(taken).some(([, length]) =>
    rule === 'strict' ? length === n || length >= n + 2 : length >= n,
  )
}

/** Lone seats: free runs of exactly one seat. */
export function loneSeats(taken: readonly boolean[]): number {
  return runsOf(taken).filter(([, length]) => length === 1).length
}

export async function seatingOf(api: TestApp, eventId: string, section: string): Promise<SectionSeating> {
  const event = await api.services.events.get(eventId)
  const seating = event.sections.get(section)?.seating
  if (!seating) throw new Error(`section ${section} has no seating`)
  return seating
}

/** Each row's taken flags, from the seat keys (a key exists: taken). */
export async function occupancy(api: TestApp, eventId: string, section: string): Promise<boolean[][]> {
  const seating = await seatingOf(api, eventId, section)
  const k = api.services.store.keys(eventId)
  const out: boolean[][] = []
  for (const row of seating.rows) {
    const keys = row.seats.map((seat) => k.seat(section, `${row.name}-${seat}`))
    const values = keys.length > 0 ? await api.redis.mget(...keys) : []
    out.push(values.map((v) => v !== null))
  }
  return out
}

/**
 * Compares the section's structure in Redis with one recomputed from its seat keys: every row's bits,
 * and the run index's members and scores. Returns the rows' occupancy.
 */
export async function checkSeating(
  t: Test,
  api: TestApp,
  eventId: string,
  section: string,
  what: string,
): Promise<boolean[][]> {
  const seating = await seatingOf(api, eventId, section)
  const rows = await occupancy(api, eventId, section)
  const [bitsKey, , indexKey] = api.services.store.keys(eventId).seating(section)
  const bits = (await api.redis.getBuffer(bitsKey)) ?? Buffer.alloc(0)
  const expected = new Map<string, number>()
  let bitsAgree = true
  rows.forEach((taken, r) => {
    const row = seating.rows[r]
    if (!row) return
    taken.forEach((isTaken, off) => {
      const at = row.at + off
      const bit = (((bits[at >> 3] ?? 0) >> (7 - (at & 7))) & 1) === 1
      if (bit !== isTaken) bitsAgree = false
    })
    for (let k = 1; k <= RUN_CLASSES; k++) {
      if (fitsIn(taken, k, 'off')) expected.set(`a${k}:${r}`, (k - 1) * RANK_SPAN + row.rank)
      if (fitsIn(taken, k, 'strict')) expected.set(`f${k}:${r}`, (RUN_CLASSES + k - 1) * RANK_SPAN + row.rank)
    }
  })
  const flat = await api.redis.zrange(indexKey, 0, -1, 'WITHSCORES')
  const actual = new Map<string, number>()
  for (let i = 0; i < flat.length; i += 2) actual.set(flat[i] as string, Number(flat[i + 1]))
  t.ok(bitsAgree, `${what}: every seat's bit matches its seat key`)
  t.same(
    [...actual.entries()].sort(),
    [...expected.entries()].sort(),
    `${what}: the run index matches a recomputation from the seat keys`,
  )
  return rows
}
