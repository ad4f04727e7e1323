import { EventEmitter } from 'node:events'
import type { ChangeType } from '../domain/changes.js'
import type { RedisClient } from './client.js'
import { eventChannels, KEY_SUFFIX } from './keys.js'

/** One change as the scripts publish it (lua/includes/changes.lua `emit`). */
export interface Change {
  eventId: string
  type: ChangeType
  /** Redis server time of the change, ms. */
  at: number
  holdId?: string
  reservationId?: string
  expiresAt?: number
  blockId?: string
  /** Held, sold and blocked units after the change, for each section the change touched. */
  counts: Record<string, [held: number, sold: number, blocked?: number]>
}

/**
 * Every change of every event, from one pattern subscription per process however many listeners
 * there are. Emits 'change' (every Change) and `change:<eventId>`. Pub/sub is fire-and-forget: a
 * listener that needs certainty (counts) re-reads them; the stream is for watching, not deciding.
 */
export class EventBus extends EventEmitter {
  private readonly channels: ReturnType<typeof eventChannels>
  private started: Promise<void> | undefined

  constructor(
    private readonly subscriber: RedisClient,
    prefix: string,
  ) {
    super()
    this.setMaxListeners(0)
    this.channels = eventChannels(prefix, KEY_SUFFIX.changes)
  }

  start(): Promise<void> {
    this.started ??= (async () => {
      this.subscriber.on('pmessage', (_pattern: string, channel: string, message: string) => {
        const eventId = this.channels.eventOf(channel)
        if (!eventId) return
        let change: Change
        try {
          change = { ...(JSON.parse(message) as Omit<Change, 'eventId'>), eventId }
        } catch {
          return
        }
        // cjson encodes an empty table as {} and a list-like one as an array; counts are always keyed.
        if (Array.isArray(change.counts)) change.counts = {}
        this.emit('change', change)
        this.emit(`change:${eventId}`, change)
      })
      await this.subscriber.psubscribe(this.channels.pattern)
    })()
    return this.started
  }

  async close(): Promise<void> {
    this.removeAllListeners()
    this.subscriber.disconnect()
  }
}
