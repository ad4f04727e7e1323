import type { ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyReply } from 'fastify'

/**
 * The server side of a Server-Sent Events response: the reply taken over from Fastify (hijacked), the
 * text/event-stream framing, and how the response ends. Knows nothing of what is streamed (the client side
 * is src/lib/sse.ts).
 */
export class SseResponse {
  /** Kept: a finished response detaches from its socket, and shutdown must close keep-alive sockets. */
  private readonly socket: Socket | null

  constructor(private readonly res: ServerResponse) {
    this.socket = res.socket
  }

  /**
   * Switches the reply to an event stream: Fastify lets go of it (no serialisation, no onSend) and the
   * headers go out at once, those set by hooks before the switch (request id, …) included.
   */
  static hijack(reply: FastifyReply): SseResponse {
    reply.hijack()
    const res = reply.raw
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined) res.setHeader(name, value)
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // Proxies that buffer answers (nginx) pass this one through as it is written.
      'x-accel-buffering': 'no',
    })
    return new SseResponse(res)
  }

  /** True until the response ended or its connection went away. */
  get open(): boolean {
    return !this.res.writableEnded && !this.res.destroyed && this.socket !== null && !this.socket.destroyed
  }

  /** Bytes written but not yet taken by the client. */
  get buffered(): number {
    return this.res.writableLength
  }

  /** Suggested reconnection delay for EventSource clients. */
  retry(ms: number): void {
    this.write(`retry: ${ms}\n\n`)
  }

  /** A comment line: clients ignore it; it keeps idle proxies from closing the connection. */
  comment(text: string): void {
    this.write(`: ${text}\n\n`)
  }

  /** One event: its name, its data (one line of JSON) and, when given, its id. */
  event(name: string, data: unknown, id?: string): void {
    this.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${name}\ndata: ${JSON.stringify(data)}\n\n`)
  }

  private write(text: string): void {
    if (this.open) this.res.write(text)
  }

  /** Called once when the response is closed, whichever side closed it. */
  onClose(listener: () => void): void {
    this.res.on('close', listener)
  }

  /** Ends the response; resolves once it is closed. */
  end(): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.res.destroyed) return resolve()
      this.res.once('close', () => resolve())
      this.res.end()
    })
  }

  /** Cuts the connection at once (a client that does not read). */
  destroy(): void {
    this.res.destroy()
  }

  /** Closes the connection once written out, so a keep-alive socket does not hold server.close() up. */
  release(): void {
    this.socket?.destroySoon()
  }
}
