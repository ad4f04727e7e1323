import { hash } from 'node:crypto'

/**
 * The version of the Redis layout, in every key name after KEY_PREFIX. A release that changes what the
 * scripts store changes it, so the old and new instances of a rolling upgrade never read each other's
 * data (which would corrupt counts): each side builds its events from the ledger, and the ledger still
 * refuses any double sale. v2: shared expiry timers, one holder index per event, items in pieces.
 * v3: sold seats name their reservation (`$<id>`), a sale version, per-holder sorted sets (`:hd:`) and
 * `:hunits`, cancels in flight (`:cancelling`), no expiry timer keys, the index of active events.
 * v4: seated items keep where each seat sits (`p`), and sections given as rows keep an occupancy bitmap,
 * row facts and an index of free runs (best available, src/domain/seating.ts); blocked seats (`!<blockId>`),
 * blocked counts (`b:<section>`) and the release index of allocations (`:releases`).
 */
export const LAYOUT_VERSION = 'v4'

/** KEY_PREFIX with the layout version: what every key, channel and lock name of this version starts with. */
export function layoutPrefix(prefix: string): string {
  return `${prefix}:${LAYOUT_VERSION}`
}

/**
 * What follows an event's base (`<prefix>:<layout version>:{ev:<eventId>}`) in each of its key and
 * channel names: the one source of the layout. Scripts write `KEY.<name>` and the loader puts in the
 * value (lua-constants.ts); lua/README.md says what each key holds.
 */
export const KEY_SUFFIX = {
  meta: ':meta',
  counts: ':counts',
  expiry: ':expiry',
  confirming: ':confirming',
  cancelling: ':cancelling',
  holderUnits: ':hunits',
  /** Channel: the event's changes, while it is watched. */
  changes: ':events',
  /** Channel: units came back to a section marked sold out (see sold-out.ts). */
  soldOutBack: ':back',
  watched: ':watched',
  /** Allocations waiting for their release time: block id -> releaseAt (ms). */
  releases: ':releases',
  /** Followed by the hold id. */
  hold: ':hold:',
  /** Followed by `<section>:<seat>`. */
  seat: ':s:',
  /** Followed by the holder digest. */
  holder: ':hd:',
  /** Followed by a digest of the holder and the Idempotency-Key. */
  idempotency: ':idem:',
  /** Followed by the section: its occupancy bitmap, one bit per seat, rows byte-aligned (best available). */
  rowBits: ':ob:',
  /** Followed by the section: per row its bit offset, length, rank and run classes; its seat names. */
  rowInfo: ':oi:',
  /** Followed by the section: rows by the free runs they have, scored by class and rank. */
  rowRuns: ':or:',
} as const

/**
 * A sold seat's key holds "$<reservationId>" (or "$" while its owner is unknown); a held seat's key holds
 * the hold id, which is base64url and so never starts with "$". Scripts write `SEAT.soldPrefix`.
 */
export const SOLD_PREFIX = '$'

/** A sold seat key's value. */
export function soldTo(reservationId: string): string {
  return SOLD_PREFIX + reservationId
}

export function isSoldValue(value: string | null): boolean {
  return value !== null && value.startsWith(SOLD_PREFIX)
}

/**
 * A blocked seat's key holds "!<blockId>" and has no TTL. Neither a hold id (base64url) nor a sale ("$")
 * starts with "!", so every script tells the three apart by the first character. Scripts write
 * `SEAT.blockedPrefix`.
 */
export const BLOCKED_PREFIX = '!'

/** A blocked seat key's value. */
export function blockedBy(blockId: string): string {
  return BLOCKED_PREFIX + blockId
}

export function isBlockedValue(value: string | null): boolean {
  return value !== null && value.startsWith(BLOCKED_PREFIX)
}

/** Keys per MGET or pipeline page when reading or writing many (seats, events): one round trip each. */
export const KEYS_PER_PAGE = 1000

/** Identifiers allowed in keys (validated before they reach one): letters, digits, "_", ".", "-". */
const ID_PATTERN = '[A-Za-z0-9_.-]+'

function eventBase(prefix: string, eventId: string): string {
  return `${layoutPrefix(prefix)}:{ev:${eventId}}`
}

/**
 * One per-event channel (`changes` or `soldOutBack`) across all events: the pattern to PSUBSCRIBE to and
 * the event id of a channel it delivers (undefined for a channel it does not name).
 */
export function eventChannels(
  prefix: string,
  suffix: typeof KEY_SUFFIX.changes | typeof KEY_SUFFIX.soldOutBack,
): { pattern: string; eventOf: (channel: string) => string | undefined } {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const matcher = new RegExp(
    `^${escape(eventBase(prefix, '\u0000')).replace('\u0000', `(${ID_PATTERN})`)}${escape(suffix)}$`,
  )
  return { pattern: `${eventBase(prefix, '*')}${suffix}`, eventOf: (channel) => matcher.exec(channel)?.[1] }
}

/**
 * Redis key names. Every key of one event carries the hash tag {ev:<eventId>} so that all of an
 * event's keys live in one cluster slot and each script touches one slot. Identifiers that reach a key
 * are validated first (letters, digits, "_", ".", "-"); free-form values (the holder in an idempotency
 * key, the holder's own holds) are hashed.
 */
export class EventKeys {
  readonly base: string
  readonly meta: string
  readonly counts: string
  readonly expiry: string
  readonly confirming: string
  /** Reservation id -> deadline (ms) of cancels in flight (see lua/markCancelling-2.lua). */
  readonly cancelling: string
  /** Holder digest -> seats and units in that holder's active holds, one hash for the event. */
  readonly holderUnits: string
  /** Allocations waiting for their release time (block id -> releaseAt ms). */
  readonly releases: string
  readonly channel: string
  /** Present while some instance streams this event's changes; scripts publish changes only then. */
  readonly watched: string

  constructor(prefix: string, eventId: string) {
    this.base = eventBase(prefix, eventId)
    this.meta = this.base + KEY_SUFFIX.meta
    this.counts = this.base + KEY_SUFFIX.counts
    this.expiry = this.base + KEY_SUFFIX.expiry
    this.confirming = this.base + KEY_SUFFIX.confirming
    this.cancelling = this.base + KEY_SUFFIX.cancelling
    this.holderUnits = this.base + KEY_SUFFIX.holderUnits
    this.releases = this.base + KEY_SUFFIX.releases
    this.channel = this.base + KEY_SUFFIX.changes
    this.watched = this.base + KEY_SUFFIX.watched
  }

  /**
   * The event-wide keys every hold script receives first, in this order (KEYS[1..6], see
   * lua/README.md): declared so a Cluster checks them before the script runs.
   */
  get shared(): [string, string, string, string, string, string] {
    return [this.meta, this.counts, this.expiry, this.confirming, this.holderUnits, this.watched]
  }

  hold(holdId: string): string {
    return `${this.base}${KEY_SUFFIX.hold}${holdId}`
  }

  seat(section: string, seat: string): string {
    // The one key per seat: a short name saves memory on every held and sold seat.
    return `${this.base}${KEY_SUFFIX.seat}${section}:${seat}`
  }

  /**
   * One holder's active holds (a zset scored by expiry), so the holder limit and a bulk release cost
   * O(log k) per hold however many holds the holder has. The scripts find it again from the digest kept
   * in each hold (`hk`).
   */
  holder(holder: string): string {
    return this.holderOf(holderDigest(holder))
  }

  /** A holder's zset from the digest a hold keeps (`hk`). */
  holderOf(digest: string): string {
    return `${this.base}${KEY_SUFFIX.holder}${digest}`
  }

  /** The best-available structure of a section given as rows: bitmap, row facts, run index. */
  seating(section: string): [string, string, string] {
    return [
      `${this.base}${KEY_SUFFIX.rowBits}${section}`,
      `${this.base}${KEY_SUFFIX.rowInfo}${section}`,
      `${this.base}${KEY_SUFFIX.rowRuns}${section}`,
    ]
  }

  idempotency(holder: string, idempotencyKey: string): string {
    return `${this.base}${KEY_SUFFIX.idempotency}${digest(`${holder}\u0000${idempotencyKey}`)}`
  }
}

// crypto.hash, one call without a Hash object: less than half the cost of createHash on every hold.
function digest(value: string): string {
  return hash('sha256', value, 'base64url')
}

/**
 * Events whose state is in Redis, scored by when the retention job may remove it (ms); events without a
 * start time are not in it. One key outside any event's slot, written when a state is (re)built.
 */
export function residentIndexKey(prefix: string): string {
  return `${layoutPrefix(prefix)}:resident`
}

/**
 * A holder's name in keys: 132 bits of SHA-256 (22 base64url characters), short because every hold
 * stores it; collisions between the holders of one event are out of reach.
 */
export function holderDigest(holder: string): string {
  return digest(holder).slice(0, 22)
}
