import { EventEmitter } from 'node:events'
import { connect, type Socket } from 'node:net'

export interface MonitorEntry {
  /** The command and its arguments as MONITOR prints them: escapes kept, except `\"` which is a quote. */
  args: string[]
  /** The client that sent the command, "host:port" (or "lua" for a command a script ran). */
  source: string
}

export interface RedisMonitor {
  on(event: 'monitor', listener: (entry: MonitorEntry) => void): this
  disconnect(): void
}

/**
 * A MONITOR connection of its own, on a plain socket. Why not ioredis's `monitor()`: it switches to
 * monitoring in a promise callback after MONITOR's "OK", so when Redis is busy with other clients the first
 * logged command arrives in the same read as the OK, before that switch, and ioredis takes it for a reply
 * with no command waiting ("Command queue state error", thrown as an uncaught error).
 */
export async function monitorRedis(url: string): Promise<RedisMonitor> {
  const { hostname, port } = new URL(url)
  const socket: Socket = connect({ host: hostname, port: Number(port || 6379) })
  const emitter = new EventEmitter()
  const monitor = Object.assign(emitter, {
    disconnect: () => socket.destroy(),
  }) as unknown as RedisMonitor
  let buffered = ''
  let monitoring = false
  return new Promise((resolve, reject) => {
    socket.once('error', reject)
    socket.on('connect', () => socket.write('MONITOR\r\n'))
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      buffered += chunk
      let end: number
      // MONITOR's lines are simple strings: Redis escapes every CR and LF inside them.
      while ((end = buffered.indexOf('\r\n')) >= 0) {
        const line = buffered.slice(0, end)
        buffered = buffered.slice(end + 2)
        if (!monitoring) {
          if (line !== '+OK') {
            socket.destroy()
            reject(new Error(`MONITOR refused: ${line}`))
            return
          }
          monitoring = true
          socket.removeListener('error', reject)
          socket.on('error', () => {})
          resolve(monitor)
          continue
        }
        const entry = parseLine(line)
        if (entry) emitter.emit('monitor', entry)
      }
    })
  })
}

/** `+1795674610.092716 [0 127.0.0.1:41278] "zremrangebyscore" "key" "-inf"` → its source and arguments. */
function parseLine(line: string): MonitorEntry | null {
  const header = /^\+\d+\.\d+ \[\d+ ([^\]]+)\] /.exec(line)
  if (!header) return null
  const args = [...line.slice(header[0].length).matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) =>
    (m[1] ?? '').replace(/\\"/g, '"'),
  )
  return { args, source: header[1] ?? '' }
}
