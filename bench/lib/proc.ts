import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat; 0 once it is gone. */
export function cpuSecondsOfPid(pid: number | string): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / 100
  } catch {
    return 0
  }
}

/**
 * CPU seconds used so far by every running process whose command name is `command` (e.g. the PostgreSQL
 * server and its backends, all named "postgres"). The difference of two readings is what they used between
 * them, less the part of any process that exited meanwhile (a pool's backends live through a measurement).
 */
export function cpuSecondsOfCommand(command: string): number {
  let total = 0
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let name: string
    try {
      name = readFileSync(`/proc/${entry}/comm`, 'utf8').trim()
    } catch {
      continue
    }
    if (name === command) total += cpuSecondsOfPid(entry)
  }
  return total
}

/** Every child this process started, so an interrupted run still stops them (by pid, never by name). */
const children = new Set<ChildProcess>()

function stopAllNow(): void {
  for (const child of children) if (child.exitCode === null && child.pid) child.kill('SIGKILL')
}
process.on('exit', stopAllNow)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stopAllNow()
    process.exit(130)
  })
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

export interface Child {
  name: string
  pid: number
  /** Resident set size of the child in bytes (from /proc), or 0 once it has exited. */
  rss(): number
  /** CPU seconds (user + system) the child has used so far. */
  cpuSeconds(): number
  stop(): Promise<void>
  /** Whether the process is still running (its pid may name another process once it has exited). */
  alive(): boolean
  /** The last lines the child wrote, for error messages. */
  output(): string
}

export function startChild(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Child {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(child)
  const tail: string[] = []
  const keep = (chunk: Buffer) => {
    tail.push(...chunk.toString().split('\n').filter(Boolean))
    if (tail.length > 20) tail.splice(0, tail.length - 20)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  if (!child.pid) throw new Error(`${name}: could not start ${command}`)
  const pid = child.pid
  const alive = () => child.exitCode === null && child.signalCode === null
  return {
    name,
    pid,
    rss: () => {
      try {
        const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
        return match ? Number(match[1]) * 1024 : 0
      } catch {
        return 0
      }
    },
    cpuSeconds: () => cpuSecondsOfPid(pid),
    stop: async () => {
      if (alive()) {
        child.kill('SIGTERM')
        const killed = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)])
        if (!killed) {
          child.kill('SIGKILL')
          await exited
        }
      }
      children.delete(child)
    },
    alive,
    output: () => tail.join('\n'),
  }
}

/** Polls `check` until it resolves true (bounded: `timeoutMs`). */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return
    await sleep(100)
  }
  throw new Error(`${what} did not become ready within ${timeoutMs} ms`)
}

export async function httpOk(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(1000) })
  await response.arrayBuffer()
  return response.ok
}
