import t from 'tap'
import { grants } from '../../src/domain/hold.js'
import { hashToken } from '../../src/lib/tokens.js'

t.test("a hold's token or an admin is granted, nobody else", async (t) => {
  const tokenHash = hashToken('secret')
  t.ok(grants({ tokenHash, admin: false }, tokenHash), 'the same token')
  t.ok(grants({ tokenHash: '', admin: true }, tokenHash), 'an admin without a token')
  t.notOk(grants({ tokenHash: hashToken('other'), admin: false }, tokenHash), 'another token')
  t.notOk(grants({ tokenHash: '', admin: false }, tokenHash), 'no token')
})
