import { createHash } from 'node:crypto'

/**
 * The version of the Redis layout, in every key name after KEY_PREFIX. A release that changes what the
 * scripts store changes it, so the old and new instances of a rolling upgrade never read each other's
 * data (which would corrupt counts): each side builds its events from the ledger, and the ledger still
 * refuses any double sale. v2: shared expiry timers, one holder index per event, items in pieces.
 * v3: sold seats name their reservation (`$<id>`), a sale version, per-holder sorted sets (`:hd:`) and
 * `:hunits`, cancels in flight (`:cancelling`), no expiry timer keys, the index of active events.
 */
export const LAYOUT_VERSION = 'v3'

/** KEY_PREFIX with the layout version: what every key, channel and lock name of this version starts with. */
export function layoutPrefix(prefix: string): string {
  return `${prefix}:${LAYOUT_VERSION}`
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
  readonly channel: string
  /** Present while some instance streams this event's changes; scripts publish changes only then. */
  readonly watched: string

  constructor(prefix: string, eventId: string) {
    this.base = `${layoutPrefix(prefix)}:{ev:${eventId}}`
    this.meta = `${this.base}:meta`
    this.counts = `${this.base}:counts`
    this.expiry = `${this.base}:expiry`
    this.confirming = `${this.base}:confirming`
    this.cancelling = `${this.base}:cancelling`
    this.holderUnits = `${this.base}:hunits`
    this.channel = `${this.base}:events`
    this.watched = `${this.base}:watched`
  }

  /**
   * The event-wide keys every hold script receives first, in this order (KEYS[1..6], see
   * lua/includes/common.lua): declared so a Cluster checks them before the script runs.
   */
  get shared(): [string, string, string, string, string, string] {
    return [this.meta, this.counts, this.expiry, this.confirming, this.holderUnits, this.watched]
  }

  hold(holdId: string): string {
    return `${this.base}:hold:${holdId}`
  }

  seat(section: string, seat: string): string {
    // The one key per seat: a short name saves memory on every held and sold seat.
    return `${this.base}:s:${section}:${seat}`
  }

  /**
   * One holder's active holds (a zset scored by expiry), so the holder limit and a bulk release cost
   * O(log k) per hold however many holds the holder has. The scripts find it again from the digest kept
   * in each hold (`hk`).
   */
  holder(holder: string): string {
    return `${this.base}:hd:${holderDigest(holder)}`
  }

  /** A holder's zset from the digest a hold keeps (`hk`). */
  holderOf(digest: string): string {
    return `${this.base}:hd:${digest}`
  }

  idempotency(holder: string, idempotencyKey: string): string {
    return `${this.base}:idem:${digest(`${holder}\u0000${idempotencyKey}`)}`
  }
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url')
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
