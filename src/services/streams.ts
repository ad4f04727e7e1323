import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyBaseLogger } from 'fastify'
import type { LoadedEvent } from '../domain/loaded-event.js'
import { apiError } from '../errors.js'
import type { SseResponse } from '../lib/sse-response.js'
import { connectRedis } from '../redis/client.js'
import type { RedisClient } from '../redis/client.js'
import { EventBus } from '../redis/event-bus.js'
import type { Change } from '../redis/event-bus.js'
import type { EventView } from '../schemas/events.js'
import { ChangeStream } from './change-stream.js'
import type { EventService } from './events.js'

export interface StreamOptions {
  /** Open streams one process serves; more get 503 TOO_MANY_STREAMS (default 1000). */
  maxStreams: number
  /** Interval of the `: ping` comment that keeps idle proxies from closing the stream (default 15 s). */
  heartbeatMs: number
  /** A client that lets this much output pile up unread is disconnected (default 1 MiB). */
  maxBufferedBytes: number
  /** How often the watched marks are renewed (default 2 s; each lasts 10 s). */
  watchRenewMs: number
}

export const STREAM_DEFAULTS: StreamOptions = {
  maxStreams: 1000,
  heartbeatMs: 15_000,
  maxBufferedBytes: 1024 * 1024,
  watchRenewMs: 2_000,
}

/** Suggested reconnection delay sent to EventSource clients (`retry:`). */
const RETRY_MS = 2000
/** How long shutdown waits for ended streams to close before destroying their sockets. */
const END_WAIT_MS = 1000
const BUS_RETRY_MS = 1000
/**
 * Scripts publish an event's changes only while it is marked watched (see lua/includes/changes.lua `emit`):
 * each mark lasts WATCH_TTL_MS and is renewed every `watchRenewMs` while this process streams the event,
 * and one left by a crashed instance lapses by itself. A mark that lapsed anyway (Redis lost it, renewals
 * failed for longer than its TTL) comes back at the next renewal, and the event's streams then get a fresh
 * snapshot, since the changes made meanwhile were not published.
 */
const WATCH_TTL_MS = 10_000
const RESNAPSHOT_ATTEMPTS = 10

/**
 * The change streams of one process (GET /v1/events/:eventId/stream). Every stream listens on one
 * EventBus, itself one pattern subscription on a dedicated connection, however many streams are open.
 * Pub/sub is fire-and-forget: a stream shows what was published while it was connected, and a fresh
 * snapshot after the subscriber reconnects, since changes published meanwhile are lost.
 */
export class ChangeStreams {
  private readonly options: StreamOptions
  private readonly streams = new Set<ChangeStream>()
  private readonly stopper = new AbortController()
  private subscriber: RedisClient | undefined
  private bus: EventBus | undefined
  private heartbeat: NodeJS.Timeout | undefined
  private renewer: NodeJS.Timeout | undefined
  private opening = 0
  /** Streams open or opening, per event id: the events this process keeps marked watched. */
  private readonly watching = new Map<string, number>()
  private renewalFailed = false

  constructor(
    private readonly connect: () => RedisClient,
    private readonly prefix: string,
    private readonly events: EventService,
    /** Marks events watched for a while (HoldStore.watch). */
    private readonly markWatched: (eventIds: readonly string[], ttlMs: number) => Promise<string[]>,
    private readonly log: FastifyBaseLogger,
    options: Partial<StreamOptions> = {},
  ) {
    this.options = { ...STREAM_DEFAULTS, ...options }
  }

  /** Open streams in this process. */
  get size(): number {
    return this.streams.size
  }

  /**
   * Connects the subscriber and subscribes. Waits for the first attempt; if Redis does not answer, logs
   * and keeps trying in the background (streams still open, with their snapshot).
   */
  async start(): Promise<void> {
    if (this.subscriber) return
    const subscriber = this.connect()
    this.subscriber = subscriber
    const bus = new EventBus(subscriber, this.prefix)
    this.bus = bus
    subscriber.on('error', (error: Error) =>
      this.log.debug({ err: error.message }, 'change stream subscriber connection error'),
    )
    this.heartbeat = setInterval(() => {
      for (const stream of this.streams) stream.ping()
    }, this.options.heartbeatMs)
    this.heartbeat.unref()
    this.renewer = setInterval(() => void this.renewMarks(), this.options.watchRenewMs)
    this.renewer.unref()

    let subscribed = false
    const subscribe = async () => {
      await connectRedis(subscriber)
      await bus.start()
      subscribed = true
    }
    try {
      await subscribe()
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'change stream subscriber not connected yet; retrying')
      void (async () => {
        while (!subscribed && !this.stopper.signal.aborted) {
          await sleep(BUS_RETRY_MS, undefined, { signal: this.stopper.signal, ref: false }).catch(
            () => undefined,
          )
          if (!this.stopper.signal.aborted) await subscribe().catch(() => undefined)
        }
      })()
    }
    // After a reconnection (autoResubscribe) changes published meanwhile are lost: send fresh counts.
    subscriber.on('ready', () => {
      if (subscribed) void this.renewMarks().then(() => this.resnapshot())
    })
  }

  /** Renews the watched marks of every event this process streams (also when Redis comes back empty). */
  async renewMarks(): Promise<void> {
    if (this.watching.size === 0) return
    const eventIds = [...this.watching.keys()]
    try {
      const lapsed = await this.markWatched(eventIds, WATCH_TTL_MS)
      // After a failed renewal a mark may have lapsed and been set again by another instance meanwhile.
      const stale = this.renewalFailed ? eventIds : lapsed
      this.renewalFailed = false
      if (stale.length > 0) void this.resnapshot(new Set(stale))
    } catch (error) {
      this.renewalFailed = true
      this.log.debug({ err: (error as Error).message }, 'change streams: renewing the watched marks failed')
    }
  }

  /** Counts one more stream of the event and marks it watched; scripts publish its changes from then on. */
  private async watch(eventId: string): Promise<void> {
    const open = this.watching.get(eventId) ?? 0
    this.watching.set(eventId, open + 1)
    const lapsed = await this.markWatched([eventId], WATCH_TTL_MS)
    // Streams of the event already open missed whatever changed while the mark was gone.
    if (open > 0 && lapsed.length > 0) void this.resnapshot(new Set(lapsed))
  }

  /** One stream of the event fewer; the last one lets the mark lapse (another instance may still renew it). */
  private unwatch(eventId: string): void {
    const left = (this.watching.get(eventId) ?? 0) - 1
    if (left > 0) this.watching.set(eventId, left)
    else this.watching.delete(eventId)
  }

  /**
   * Sends every open stream (of these events, when given) a fresh snapshot, retrying while Redis or the
   * ledger is still coming back.
   */
  private async resnapshot(eventIds?: Set<string>): Promise<void> {
    let pending = new Set(
      [...this.streams].filter((stream) => !eventIds || eventIds.has(stream.event.definition.id)),
    )
    for (let attempt = 0; pending.size > 0 && attempt < RESNAPSHOT_ATTEMPTS; attempt++) {
      if (attempt > 0)
        await sleep(BUS_RETRY_MS, undefined, { signal: this.stopper.signal, ref: false }).catch(
          () => undefined,
        )
      if (this.stopper.signal.aborted) return
      const failed = new Set<ChangeStream>()
      const byEvent = new Map<LoadedEvent, ChangeStream[]>()
      for (const stream of pending) {
        if (!this.streams.has(stream)) continue
        byEvent.set(stream.event, [...(byEvent.get(stream.event) ?? []), stream])
      }
      for (const [event, list] of byEvent) {
        try {
          const view = await this.events.view(event)
          for (const stream of list) stream.snapshot(view)
        } catch (error) {
          for (const stream of list) failed.add(stream)
          this.log.debug({ err: (error as Error).message }, 'change stream snapshot after reconnect failed')
        }
      }
      pending = failed
    }
  }

  /**
   * Starts a stream: subscribes first and buffers, marks the event watched, reads the snapshot, then
   * switches the response to SSE (`start`). Counts in changes are absolute, so a change both in the
   * snapshot and replayed from the buffer shows the same numbers twice and nothing is missed. Errors before
   * the switch are JSON errors.
   */
  async open(event: LoadedEvent, start: () => SseResponse): Promise<void> {
    if (!this.bus || this.stopper.signal.aborted)
      throw apiError('TOO_MANY_STREAMS', undefined, 'This instance is shutting down, reconnect shortly')
    if (this.streams.size + this.opening >= this.options.maxStreams) throw apiError('TOO_MANY_STREAMS')
    const bus = this.bus
    const channel = `change:${event.definition.id}`
    const buffered: Change[] = []
    const buffer = (change: Change) => void buffered.push(change)
    const eventId = event.definition.id
    this.opening++
    bus.on(channel, buffer)
    let view: EventView
    try {
      await this.watch(eventId)
      view = await this.events.view(event)
    } catch (error) {
      bus.off(channel, buffer)
      this.unwatch(eventId)
      throw error
    } finally {
      this.opening--
    }
    if (this.stopper.signal.aborted) {
      bus.off(channel, buffer) // shutdown began while the snapshot was read
      this.unwatch(eventId)
      throw apiError('TOO_MANY_STREAMS', undefined, 'This instance is shutting down, reconnect shortly')
    }
    const stream = new ChangeStream(event, start(), (s) => this.overflow(s), this.options.maxBufferedBytes)
    this.streams.add(stream)
    stream.response.onClose(() => this.drop(stream))
    stream.retry(RETRY_MS)
    stream.snapshot(view)
    for (const change of buffered) stream.change(change)
    stream.listener = (change) => stream.change(change)
    bus.off(channel, buffer)
    bus.on(channel, stream.listener)
    if (!stream.open) this.drop(stream)
  }

  private drop(stream: ChangeStream): void {
    if (!this.streams.delete(stream)) return
    this.bus?.off(stream.channel, stream.listener)
    this.unwatch(stream.event.definition.id)
  }

  private overflow(stream: ChangeStream): void {
    this.log.warn(
      { eventId: stream.event.definition.id, buffered: stream.response.buffered },
      'change stream client is not reading; disconnected',
    )
    this.drop(stream)
    stream.response.destroy()
  }

  /** Ends every open stream (shutdown: before the server closes, so closing never waits on them). */
  async endAll(): Promise<void> {
    this.stopper.abort()
    const streams = [...this.streams]
    const closed = streams.map((stream) => stream.response.end())
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      Promise.all(closed),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, END_WAIT_MS)
        timer.unref()
      }),
    ])
    clearTimeout(timer)
    for (const stream of streams) {
      this.drop(stream)
      // Keep-alive sockets of ended streams must not hold server.close() up.
      stream.response.release()
    }
  }

  /** Closes the subscriber connection. */
  async close(): Promise<void> {
    await this.endAll()
    clearInterval(this.heartbeat)
    clearInterval(this.renewer)
    await this.bus?.close()
    this.bus = undefined
  }
}
