import type { Test } from 'tap'
import { readEventStream } from '../../src/lib/sse.js'
import type { SseItem } from '../../src/lib/sse.js'
import type { EventView } from '../../src/schemas/events.js'
import type { ChangeMessage } from '../../src/schemas/stream.js'
import { eventually } from './eventually.js'

export interface Received {
  event: string
  id: string | undefined
  /** Local time the event was parsed. */
  receivedAt: number
  data: unknown
}

/** A real SSE subscriber (fetch over a socket) that records everything it receives. */
export class StreamClient {
  readonly received: Received[] = []
  readonly comments: string[] = []
  ended = false
  error: unknown = undefined
  private readonly controller = new AbortController()
  readonly done: Promise<void>

  private constructor(url: string) {
    this.done = (async () => {
      try {
        for await (const item of readEventStream(url, this.controller.signal)) this.record(item)
      } catch (error) {
        this.error = error
      } finally {
        this.ended = true
      }
    })()
  }

  private record(item: SseItem): void {
    if (item.kind === 'comment') {
      this.comments.push(item.text)
      return
    }
    this.received.push({
      event: item.event,
      id: item.id,
      receivedAt: Date.now(),
      data: JSON.parse(item.data),
    })
  }

  /** Opens the stream and waits for its snapshot. Closed at t's teardown. */
  static async open(t: Test, baseUrl: string, eventId: string): Promise<StreamClient> {
    const client = new StreamClient(`${baseUrl}/v1/events/${eventId}/stream`)
    t.teardown(() => client.close())
    await eventually('the snapshot', () => {
      if (client.error) throw client.error
      return client.received.find((r) => r.event === 'snapshot')
    })
    return client
  }

  get snapshot(): EventView {
    return this.received.find((r) => r.event === 'snapshot')?.data as EventView
  }

  /** Every change received so far, in order. */
  changes(): ChangeMessage[] {
    return this.received.filter((r) => r.event !== 'snapshot').map((r) => r.data as ChangeMessage)
  }

  /** Waits for a change that matches, received at most `deadlineMs` from now. */
  async waitFor(match: (change: ChangeMessage) => boolean, deadlineMs: number, what: string) {
    return eventually(
      what,
      () => {
        const found = this.received.find((r) => r.event !== 'snapshot' && match(r.data as ChangeMessage))
        return found && { change: found.data as ChangeMessage, receivedAt: found.receivedAt }
      },
      { deadlineMs, intervalMs: 10 },
    )
  }

  async close(): Promise<void> {
    this.controller.abort()
    await this.done
  }
}
