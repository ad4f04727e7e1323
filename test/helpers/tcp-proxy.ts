/**
 * A TCP proxy in front of a real server (PostgreSQL, Redis) that a test can cut: every open connection
 * is reset and new ones are reset as soon as they arrive, as when a network partition or a crashed
 * server makes a dependency vanish; `restore()` lets traffic through again. It can also hold back what
 * the server sends (`delayReplies`), in order, as a slow network path to one client would. The bytes are
 * the real protocol, end to end.
 */
import net from 'node:net'
import { once } from 'node:events'
import type { Test } from 'tap'

export class TcpProxy {
  private readonly sockets = new Set<net.Socket>()
  private readonly server: net.Server
  private cutOff = false
  private replyDelayMs = 0
  port = 0

  private constructor(private readonly upstream: { host: string; port: number }) {
    this.server = net.createServer((client) => this.accept(client))
  }

  static async start(t: Test, upstream: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(upstream)
    proxy.server.listen(0, '127.0.0.1')
    await once(proxy.server, 'listening')
    proxy.port = (proxy.server.address() as net.AddressInfo).port
    t.teardown(() => proxy.close())
    return proxy
  }

  private accept(client: net.Socket): void {
    client.on('error', () => undefined)
    if (this.cutOff) {
      client.resetAndDestroy()
      return
    }
    const upstream = net.connect(this.upstream.port, this.upstream.host)
    upstream.on('error', () => client.destroy())
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
    for (const s of [client, upstream]) {
      this.sockets.add(s)
      s.on('close', () => this.sockets.delete(s))
    }
    client.pipe(upstream)
    // The server's bytes reach the client replyDelayMs late, in the order they came.
    const queue: { due: number; chunk: Buffer }[] = []
    const drain = (): void => {
      while (queue.length > 0 && (queue[0]?.due ?? 0) <= Date.now()) client.write(queue.shift()?.chunk ?? '')
      if (queue.length > 0) setTimeout(drain, (queue[0]?.due ?? 0) - Date.now())
    }
    upstream.on('data', (chunk: Buffer) => {
      if (this.replyDelayMs === 0 && queue.length === 0) {
        client.write(chunk)
        return
      }
      queue.push({ due: Date.now() + this.replyDelayMs, chunk })
      if (queue.length === 1) setTimeout(drain, this.replyDelayMs)
    })
  }

  /** From now on, everything the server sends reaches its client this much later (0: at once again). */
  delayReplies(ms: number): void {
    this.replyDelayMs = ms
  }

  /** Resets every connection through the proxy and every new one, until restore(). */
  cut(): void {
    this.cutOff = true
    for (const s of this.sockets) s.resetAndDestroy()
  }

  restore(): void {
    this.cutOff = false
  }

  async close(): Promise<void> {
    this.cut()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}
