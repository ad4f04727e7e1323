import t from 'tap'
import { hashToken, newHoldId, newReservationId, newToken, safeEqual } from '../../src/lib/tokens.js'

t.test(
  'tokens and hold ids are URL-safe, of full length, and never repeat across pool refills',
  async (t) => {
    const tokens = new Set<string>()
    const ids = new Set<string>()
    // 20,000 of each draws ~960 KB: the 4 KiB pool is refilled some 230 times (a draw never straddles two fills).
    for (let i = 0; i < 20_000; i++) {
      tokens.add(newToken())
      ids.add(newHoldId())
    }
    t.equal(tokens.size, 20_000, 'every token distinct')
    t.equal(ids.size, 20_000, 'every hold id distinct')
    t.ok(
      [...tokens].every((x) => /^[A-Za-z0-9_-]{43}$/.test(x)),
      'tokens: 256 bits, base64url',
    )
    t.ok(
      [...ids].every((x) => /^[A-Za-z0-9_-]{22}$/.test(x)),
      'hold ids: 16 bytes, base64url',
    )
    let bytes = 0
    let zeros = 0
    for (const token of tokens) {
      const raw = Buffer.from(token, 'base64url')
      bytes += raw.length
      for (const byte of raw) if (byte === 0) zeros++
    }
    // Uniform bytes are zero 1/256 of the time; bytes handed out before the pool was filled would be zeros.
    t.ok(zeros < (bytes / 256) * 1.5, `no unfilled bytes (${zeros} zero bytes of ${bytes})`)
  },
)

t.test('a token matches its own hash and no other', async (t) => {
  const token = newToken()
  t.ok(safeEqual(hashToken(token), hashToken(token)))
  t.notOk(safeEqual(hashToken(token), hashToken(newToken())))
})

/** The milliseconds a time-ordered UUID's first 48 bits carry. */
function millisOf(bytes: Buffer): number {
  return bytes.readUIntBE(0, 6)
}

/** Waits (spinning: a millisecond) until the clock has moved past `ms`. */
function nextMillisecond(ms: number): number {
  let now = Date.now()
  while (now <= ms) now = Date.now()
  return now
}

t.test(
  'hold ids and reservation ids are time-ordered UUIDs (version 7): later ones sort after',
  async (t) => {
    const before = Date.now()
    const hold = Buffer.from(newHoldId(), 'base64url')
    const reservation = Buffer.from(newReservationId().replaceAll('-', ''), 'hex')
    const after = Date.now()
    for (const [name, bytes] of [
      ['hold id', hold],
      ['reservation id', reservation],
    ] as const) {
      t.equal(bytes.length, 16, `${name}: 16 bytes`)
      t.equal(bytes[6]! >> 4, 7, `${name}: version 7`)
      t.equal(bytes[8]! >> 6, 2, `${name}: RFC 9562 variant`)
      const ms = millisOf(bytes)
      t.ok(ms >= before && ms <= after, `${name}: made at ${ms}, between ${before} and ${after}`)
    }
    t.match(newReservationId(), /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)

    // Ids of a later millisecond sort after the earlier ones, as text too for reservation ids (the ledger's
    // unique indexes append instead of scattering).
    const earlier = Array.from({ length: 50 }, () => newReservationId())
    nextMillisecond(Date.now())
    const later = Array.from({ length: 50 }, () => newReservationId())
    t.ok(
      later.every((id) => earlier.every((old) => id > old)),
      'every reservation id of the later millisecond sorts after every earlier one',
    )
    const earlierHolds = Array.from({ length: 50 }, () => Buffer.from(newHoldId(), 'base64url'))
    nextMillisecond(Date.now())
    const laterHolds = Array.from({ length: 50 }, () => Buffer.from(newHoldId(), 'base64url'))
    t.ok(
      laterHolds.every((id) => earlierHolds.every((old) => Buffer.compare(id, old) > 0)),
      'every hold id of the later millisecond has larger bytes than every earlier one',
    )
  },
)

t.test('time-ordered ids keep enough randomness: 20,000 of one burst never repeat', async (t) => {
  const holds = new Set(Array.from({ length: 20_000 }, () => newHoldId()))
  const reservations = new Set(Array.from({ length: 20_000 }, () => newReservationId()))
  t.equal(holds.size, 20_000)
  t.equal(reservations.size, 20_000)
})
