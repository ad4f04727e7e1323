/**
 * One key layout: KEY_SUFFIX in src/redis/keys.ts. The scripts build names from KEY.<name> (the loader
 * puts in the values), and the names they build are the ones EventKeys builds.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import t from 'tap'
import { LUA_DIR } from '../src/paths.js'
import { blockedBy, eventChannels, EventKeys, holderDigest, KEY_SUFFIX, soldTo } from '../src/redis/keys.js'
import { scriptText } from '../src/redis/scripts.js'
import { TEST_REDIS_URL } from './helpers/app.js'

t.test(
  'the scripts build the names EventKeys builds, and sold and blocked seat values as keys.ts does',
  async (t) => {
    const redis = new Redis(TEST_REDIS_URL)
    t.teardown(() => redis.disconnect())
    const k = new EventKeys('pre.fix', 'ev-1.a_b')
    const digest = holderDigest('alice')
    const lua = scriptText(
      'layout.lua',
      `--- @include "includes/basics"
--- @include "includes/seat-values"
--- @include "includes/holders"
local base = baseOf(KEYS[1])
return {
  base, base .. KEY.counts, base .. KEY.expiry, base .. KEY.confirming, base .. KEY.cancelling,
  base .. KEY.holderUnits, base .. KEY.changes, base .. KEY.watched, base .. KEY.hold .. ARGV[1],
  seatKey(base, ARGV[2], ARGV[3]), holderKey(base, ARGV[4]), soldTo(ARGV[5]), base .. KEY.releases,
  blockedBy(ARGV[6])
}`,
    )
    const names = await redis.eval(lua, 1, k.meta, 'h1', 'A', '12', digest, 'r-1', 'b-1')
    t.same(
      names,
      [
        k.base,
        k.counts,
        k.expiry,
        k.confirming,
        k.cancelling,
        k.holderUnits,
        k.channel,
        k.watched,
        k.hold('h1'),
        k.seat('A', '12'),
        k.holder('alice'),
        soldTo('r-1'),
        k.releases,
        blockedBy('b-1'),
      ],
      'every name, and the values of a sold and a blocked seat, agree',
    )
  },
)

t.test('no script spells a key suffix itself', async (t) => {
  const suffixes = Object.values(KEY_SUFFIX).map((s) => s.replace(/:$/, ''))
  const literal = new RegExp(`'(${suffixes.join('|')}):?'`, 'g')
  const files = [
    ...readdirSync(LUA_DIR).filter((f) => f.endsWith('.lua')),
    ...readdirSync(join(LUA_DIR, 'includes')).map((f) => `includes/${f}`),
  ]
  for (const file of files) {
    const code = readFileSync(join(LUA_DIR, file), 'utf8')
      .replace(/--\[\[[\s\S]*?\]\]/g, '')
      .replace(/--.*$/gm, '')
    t.same(code.match(literal) ?? [], [], `${file} names keys through KEY`)
  }
})

t.test("a channel's event id is recovered from the layout", async (t) => {
  const k = new EventKeys('p.x', 'ev-9')
  const changes = eventChannels('p.x', KEY_SUFFIX.changes)
  t.equal(changes.eventOf(k.channel), 'ev-9')
  t.equal(changes.eventOf(k.base + KEY_SUFFIX.soldOutBack), undefined, 'another channel is not this one')
  t.equal(changes.eventOf(new EventKeys('p-x', 'ev-9').channel), undefined, 'the prefix is matched literally')
  t.equal(changes.pattern, `${new EventKeys('p.x', '*').base}${KEY_SUFFIX.changes}`)
})
