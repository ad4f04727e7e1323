/**
 * A TCP proxy in front of a real server (PostgreSQL, Redis) that a test can cut: every open connection
 * is reset and new ones are reset as soon as they arrive, as when a network partition or a crashed
 * server makes a dependency vanish; `restore()` lets traffic through again. The bytes are the real
 * protocol, end to end.
 */
import net from 'node:net'
import { once } from 'node:events'
import type { Test } from 'tap'

export class TcpProxy {
  private readonly sockets = new Set<net.Socket>()
  private readonly server: net.Server
  private cutOff = false
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
    upstream.pipe(client)
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
