import {
  createCipheriv,
  createDecipheriv,
  hash,
  randomBytes,
  randomFillSync,
  timingSafeEqual,
} from 'node:crypto'
import { v7 as uuidv7 } from 'uuid'

/**
 * Random bytes from the CSPRNG, fetched 4 KiB at a time: one system call per ~85 holds instead of two
 * per hold (they were 7% of the hold path's CPU). Every byte is handed out once; Node's randomUUID
 * pools the same way.
 */
const POOL_BYTES = 4096
const pool = Buffer.alloc(POOL_BYTES)
let poolOffset = POOL_BYTES

/** `bytes` fresh random bytes: a view of the pool, to be read before the next draw. */
function randomView(bytes: number): Buffer {
  if (poolOffset + bytes > POOL_BYTES) {
    randomFillSync(pool)
    poolOffset = 0
  }
  const view = pool.subarray(poolOffset, poolOffset + bytes)
  poolOffset += bytes
  return view
}

function randomBase64url(bytes: number): string {
  return randomView(bytes).toString('base64url')
}

/** A 256-bit secret, shown to the client once. */
export function newToken(): string {
  return randomBase64url(32)
}

/**
 * Ids the ledger keeps in a unique index (hold ids, reservation ids) are time-ordered UUIDs (version 7, RFC
 * 9562: 48 bits of milliseconds first), so each new one goes at the end of its index. A random id lands on a
 * random leaf: once the ledger's indexes outgrow memory, every insert reads and dirties a page of its own (and
 * writes it whole to the WAL after a checkpoint). Measured on the confirm function, batches of 12 seated
 * confirms into tables of 1–2 million sold seats: 69–73 µs of PostgreSQL's CPU a confirm against 83–89 with
 * random ids (bench/HISTORY.md). The rest of each id is 74 random bits from the pool (ids of one millisecond
 * are in no particular order among themselves); none is a secret (the hold's token is, and the event stream
 * names hold ids). As base64url text a hold id's first six characters hold the time in steps of about 4 s,
 * so the ids of one such step share a prefix and sit together in the index; the alphabet's characters do not
 * sort in the order of their values, so a new step's range is not always after the last one, but each insert
 * still lands among the last few seconds' keys: a handful of pages, not a random one each.
 */
const ID_BYTES = 16

/** Hold ids: a time-ordered UUID's 16 bytes, URL-safe (22 characters). */
export function newHoldId(): string {
  return uuidv7({ random: randomView(ID_BYTES) }, Buffer.allocUnsafe(ID_BYTES)).toString('base64url')
}

/** Reservation ids: a time-ordered UUID in its usual text form. */
export function newReservationId(): string {
  return uuidv7({ random: randomView(ID_BYTES) })
}

// SHA-256 below is crypto.hash, one call without a Hash object: less than half the cost of createHash,
// and the hold path hashes on every request.

/** What Redis and the ledger keep instead of the token. */
export function hashToken(token: string): string {
  return hash('sha256', token, 'hex')
}

export function safeEqual(a: string, b: string): boolean {
  const left = hash('sha256', a, 'buffer')
  const right = hash('sha256', b, 'buffer')
  return timingSafeEqual(left, right)
}

/** JSON with sorted keys, so two bodies that differ only in key order hash alike. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

export function sha256(value: string): string {
  return hash('sha256', value, 'hex')
}

/**
 * An idempotent replay must hand back the token, but Redis keeps tokens only hashed. The replay copy is
 * encrypted under a key derived from the Idempotency-Key itself, which Redis never sees in clear.
 */
function replayKey(scope: string, idempotencyKey: string): Buffer {
  return hash('sha256', `seatlock replay\u0000${scope}\u0000${idempotencyKey}`, 'buffer')
}

export function sealToken(token: string, scope: string, idempotencyKey: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', replayKey(scope, idempotencyKey), iv)
  const sealed = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()])
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url')
}

export function openToken(sealed: string, scope: string, idempotencyKey: string): string {
  const raw = Buffer.from(sealed, 'base64url')
  const decipher = createDecipheriv('aes-256-gcm', replayKey(scope, idempotencyKey), raw.subarray(0, 12))
  decipher.setAuthTag(raw.subarray(12, 28))
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')
}
