import type { LoadedEvent } from '../domain/loaded-event.js'
import type { SseResponse } from '../lib/sse-response.js'
import type { Change } from '../redis/event-bus.js'
import type { EventView } from '../schemas/events.js'
import type { ChangeMessage, SectionCountsView } from '../schemas/stream.js'

/** A published change as the stream sends it: counts completed with each section's capacity. */
export function changeMessage(change: Change, event: LoadedEvent): ChangeMessage {
  const sections: SectionCountsView[] = []
  for (const section of event.definition.sections) {
    const counts = change.counts[section.id]
    if (!counts) continue
    const [held, sold, blocked = 0] = counts
    sections.push({
      id: section.id,
      capacity: section.capacity,
      available: Math.max(0, section.capacity - held - sold - blocked),
      held,
      sold,
      blocked,
    })
  }
  return {
    type: change.type,
    eventId: change.eventId,
    at: new Date(change.at).toISOString(),
    ...(change.holdId !== undefined ? { holdId: change.holdId } : {}),
    ...(change.reservationId !== undefined ? { reservationId: change.reservationId } : {}),
    ...(change.blockId !== undefined ? { blockId: change.blockId } : {}),
    ...(change.expiresAt !== undefined ? { expiresAt: new Date(change.expiresAt).toISOString() } : {}),
    sections,
  }
}

/**
 * One client's stream of one event: what it is sent (snapshots, changes numbered in order, pings) and the
 * bound on output it leaves unread.
 */
export class ChangeStream {
  private seq = 0
  readonly channel: string
  listener: (change: Change) => void = () => undefined

  constructor(
    readonly event: LoadedEvent,
    readonly response: SseResponse,
    private readonly onOverflow: (stream: ChangeStream) => void,
    private readonly maxBufferedBytes: number,
  ) {
    this.channel = `change:${event.definition.id}`
  }

  get open(): boolean {
    return this.response.open
  }

  private send(write: (response: SseResponse) => void): void {
    if (!this.response.open) return
    write(this.response)
    if (this.response.buffered > this.maxBufferedBytes) this.onOverflow(this)
  }

  retry(ms: number): void {
    this.send((response) => response.retry(ms))
  }

  ping(): void {
    this.send((response) => response.comment('ping'))
  }

  snapshot(view: EventView): void {
    this.send((response) => response.event('snapshot', view))
  }

  change(change: Change): void {
    const message = changeMessage(change, this.event)
    this.send((response) => response.event(message.type, message, `${change.at}-${++this.seq}`))
  }
}
