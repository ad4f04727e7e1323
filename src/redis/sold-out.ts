/**
 * The rush path: in a flash sale most hold requests are refusals, and once a section has nothing left
 * a refusal needs no script call. This process remembers the sections Redis said were sold out (no unit
 * available, held or sold) and refuses holds on them from memory.
 *
 * A mark is dropped the moment units come back: the script that refused at zero set a flag on the
 * section (`z:<section>` in the event's counts, valued with a version), and whichever script gives
 * units back (release, expiry, cancel) clears the flag and publishes `<section> <version>` on the
 * event's `:back` channel, which every instance hears. Versions keep the order right although the reply
 * that marks and the message that clears travel on two connections: a message for version v clears
 * marks up to v, and a mark whose version was already cleared is never taken.
 *
 * A message still travels apart from the request that follows it: a buyer who saw a release answered can
 * ask another instance before that instance has read the message from its subscriber socket. So a refusal
 * from memory first sends a PING on the subscriber connection and waits for its reply. Redis answers in
 * order on one connection, so every message published before the request arrived (the release it
 * follows) has been handled by then. One PING per event-loop turn serves every request that arrived in
 * that turn: a rush of refusals costs Redis one PING a turn instead of one script call each.
 *
 * Pub/sub is fire-and-forget, so the cache only marks while its subscription is live, forgets
 * everything when the subscriber connection drops, and a mark lives at most maxAgeMs anyway.
 */
import type { RequestItem } from '../domain/items.js'
import { connectRedis } from './client.js'
import type { RedisClient } from './client.js'
import type { CreateRefusal } from './commands/create-hold.js'
import { eventChannels, KEY_SUFFIX } from './keys.js'

/** How long a mark may live without confirmation (a lost message costs at most this much staleness). */
export const SOLD_OUT_MAX_AGE_MS = 1000
const RETRY_MS = 1000
/** Cleared versions are remembered this long, far longer than a reply can trail its message. */
const CLEARED_MEMORY_MS = 10_000
/**
 * How long a refusal waits for the subscriber's PING before asking Redis instead (the script then answers,
 * or times out on its own clock): short, so a frozen Redis still gets its 503 quickly.
 */
const BARRIER_TIMEOUT_MS = 250

interface Mark {
  version: number
  at: number
}

export class SoldOutCache {
  private readonly marks = new Map<string, Mark>()
  private readonly cleared = new Map<string, Mark>()
  private readonly channels: ReturnType<typeof eventChannels>
  private live = false
  private subscribed = false
  private closed = false
  private started: Promise<void> | undefined
  /** The PING the requests of this event-loop turn wait for, until it is sent. */
  private nextBarrier: Promise<boolean> | undefined

  constructor(
    private readonly subscriber: RedisClient,
    prefix: string,
    private readonly maxAgeMs = SOLD_OUT_MAX_AGE_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.channels = eventChannels(prefix, KEY_SUFFIX.soldOutBack)
  }

  /**
   * Subscribes. Resolves after the first attempt; while Redis does not answer the cache stays off (every
   * hold asks Redis) and the subscription is retried in the background until it succeeds or close().
   */
  start(): Promise<void> {
    this.started ??= (async () => {
      this.subscriber.on('error', () => undefined) // reconnection is ioredis's job; the cache is simply off
      this.subscriber.on('pmessage', (_pattern: string, channel: string, message: string) => {
        const eventId = this.channels.eventOf(channel)
        const [section, version] = message.split(' ')
        if (eventId && section && version) this.clear(eventId, section, Number(version))
      })
      // Messages may have been missed while disconnected: forget, and mark again only once resubscribed
      // (ioredis subscribes again by itself before it reports the connection ready).
      this.subscriber.on('close', () => {
        this.live = false
        this.marks.clear()
      })
      this.subscriber.on('ready', () => {
        if (this.subscribed) this.live = true
      })
      if (!(await this.subscribe())) void this.retry()
    })()
    return this.started
  }

  private async subscribe(): Promise<boolean> {
    try {
      await connectRedis(this.subscriber)
      await this.subscriber.psubscribe(this.channels.pattern)
      this.subscribed = true
      this.live = true
      return true
    } catch {
      return false
    }
  }

  private async retry(): Promise<void> {
    while (!this.closed) {
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS).unref())
      if (this.closed || (await this.subscribe())) return
    }
  }

  /**
   * The refusal createHold would give, from memory, when every section of the hold is known sold out
   * (else null): the seats asked for are all unavailable (seats are checked first), else the first GA
   * item is short. Waits for the subscriber to catch up first (see the module comment).
   */
  async refusal(eventId: string, items: readonly RequestItem[]): Promise<CreateRefusal | null> {
    const sections = items.map((i) => i.section)
    if (!this.allSoldOut(eventId, sections)) return null
    if (!(await this.barrier()) || !this.allSoldOut(eventId, sections)) return null
    return refusalFor(items)
  }

  /**
   * Resolves true once every message published before this call has been handled; false when the
   * subscriber did not answer in time (the caller then asks Redis).
   */
  private barrier(): Promise<boolean> {
    this.nextBarrier ??= new Promise<boolean>((resolve) => {
      setImmediate(() => {
        // Sent now: a request arriving from here on waits for the next PING, one sent after it arrived.
        this.nextBarrier = undefined
        const timer = setTimeout(() => resolve(false), BARRIER_TIMEOUT_MS)
        this.subscriber.ping().then(
          () => {
            clearTimeout(timer)
            resolve(true)
          },
          () => {
            clearTimeout(timer)
            resolve(false)
          },
        )
      })
    })
    return this.nextBarrier
  }

  /** True when every one of these sections is known sold out right now. */
  allSoldOut(eventId: string, sections: readonly string[]): boolean {
    if (!this.live || sections.length === 0) return false
    const now = this.now()
    return sections.every((section) => {
      const key = `${eventId}\u0000${section}`
      const mark = this.marks.get(key)
      if (mark === undefined) return false
      if (now - mark.at > this.maxAgeMs) {
        this.marks.delete(key)
        return false
      }
      return true
    })
  }

  /** Redis refused a hold and reported these sections at zero, each flagged with a version. */
  mark(eventId: string, soldOut: readonly { section: string; version: number }[]): void {
    if (!this.live) return
    const now = this.now()
    for (const { section, version } of soldOut) {
      const key = `${eventId}\u0000${section}`
      const cleared = this.cleared.get(key)
      if (cleared !== undefined && cleared.version >= version) continue
      this.marks.set(key, { version, at: now })
    }
  }

  private clear(eventId: string, section: string, version: number): void {
    const key = `${eventId}\u0000${section}`
    const now = this.now()
    const mark = this.marks.get(key)
    if (mark !== undefined && mark.version <= version) this.marks.delete(key)
    const cleared = this.cleared.get(key)
    if (cleared === undefined || cleared.version < version) this.cleared.set(key, { version, at: now })
    // Bounded: versions older than any reply still in flight are of no use.
    if (this.cleared.size > 1000) {
      for (const [k, c] of this.cleared) if (now - c.at > CLEARED_MEMORY_MS) this.cleared.delete(k)
    }
  }

  close(): void {
    this.closed = true
    this.live = false
    this.marks.clear()
    this.subscriber.disconnect()
  }
}

/** The refusal the script gives when every section asked for has nothing left. */
function refusalFor(items: readonly RequestItem[]): CreateRefusal {
  const seats = items.flatMap((i) =>
    'seats' in i ? i.seats.map((seat) => ({ section: i.section, seat })) : [],
  )
  if (seats.length > 0) return { kind: 'seatsTaken', seats, soldOut: [] }
  const first = items[0] as Exclude<RequestItem, { seats: string[] }>
  if ('together' in first)
    return {
      kind: 'noBlock',
      section: first.section,
      requested: first.quantity,
      largest: 0,
      available: 0,
      soldOut: [],
    }
  return {
    kind: 'sectionShort',
    section: first.section,
    requested: first.quantity,
    available: 0,
    soldOut: [],
  }
}
