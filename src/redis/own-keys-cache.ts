import { BoundedMap } from '../lib/bounded-map.js'

/**
 * The own keys (holder index and seat keys) of the holds this process created or read, by hold key.
 *
 * A script acting on a known hold must declare those keys (lua/includes/declared-keys.lua, ownKeysDeclared), and
 * reading them costs an HGETALL round trip before every pin, finalise, extend and release. They never
 * change for a hold (a create writes them once), so the keys a create wrote are remembered here and given
 * to the script without a read. An entry is only a hint: a script given keys that are not the hold's
 * answers -30 before writing anything, and the caller reads them and tries again. So a stale or missing
 * entry costs one read, never a wrong write.
 *
 * Bounded: the oldest entries go first once `max` is reached, and a hold's entry goes when the hold is
 * finalised or released.
 */
export const OWN_KEYS_CACHE_MAX = 100_000

export class OwnKeysCache extends BoundedMap<string, readonly string[]> {
  constructor(max = OWN_KEYS_CACHE_MAX) {
    super(max)
  }
}
