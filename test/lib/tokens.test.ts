import t from 'tap'
import { hashToken, newHoldId, newToken, safeEqual } from '../../src/lib/tokens.js'

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
      'hold ids: 128 bits, base64url',
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
