/**
 * An open-loop load at a steady rate: requests start on schedule (checked every millisecond) whether or
 * not earlier ones have answered, over a keep-alive pool of `connections` sockets. autocannon's
 * overallRate spends each connection's budget at the start of every second (bursts), so latency at a
 * given rate is measured here instead.
 */
import { Agent, request } from 'node:http'
import { performance } from 'node:perf_hooks'
import { KindTimer } from './load.js'

export interface PacedOptions {
  url: string
  rate: number
  seconds: number
  connections: number
  next: () => { path: string; body: string }
}

export async function pacedLoad(options: PacedOptions): Promise<KindTimer> {
  const timer = new KindTimer()
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections })
  const target = new URL(options.url)
  const total = Math.round(options.rate * options.seconds)
  let sent = 0
  let done = 0
  const fire = () => {
    const { path, body } = options.next()
    const t0 = performance.now()
    const req = request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: 10_000,
      },
      (res) => {
        res.resume()
        res.on('end', () => {
          timer.record(res.statusCode ?? 0, performance.now() - t0)
          done++
        })
      },
    )
    req.on('error', () => {
      timer.record(0, performance.now() - t0)
      done++
    })
    req.end(body)
  }
  const start = performance.now()
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * options.rate))
      while (sent < due) {
        sent++
        fire()
      }
      // Bounded: stop waiting 10 s after the last request was due.
      if (done >= total || performance.now() - start > (options.seconds + 10) * 1000) {
        clearInterval(tick)
        resolve()
      }
    }, 1)
  })
  agent.destroy()
  return timer
}
