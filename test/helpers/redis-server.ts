import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import type { Test } from 'tap'
import { Redis } from 'ioredis'
import { eventually } from './eventually.js'

/** A free TCP port on 127.0.0.1 (asks the OS, then closes the probe). */
export async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  server.close()
  await once(server, 'close')
  return port
}

export interface RedisServerOptions {
  /**
   * Favoured by the scheduler, so that on a busy machine it is not stopped in the middle of a command:
   * for tests that read command durations in its SLOWLOG, which are wall time and count such pauses too
   * (measured here: 1-2 ms script calls shown as 10-25 ms with the two cores fully loaded). A real-time
   * priority where allowed (root), else nice -10 where allowed, else as usual (`nice` warns and runs it).
   */
  favoured?: boolean
}

let favouredCommand: string[] | undefined
function favouredLauncher(): string[] {
  favouredCommand ??=
    spawnSync('chrt', ['-f', '1', 'true'], { stdio: 'ignore' }).status === 0
      ? ['chrt', '-f', '1']
      : ['nice', '-n', '-10']
  return favouredCommand
}

/** A redis-server this test owns: no persistence, its own port, stoppable and restartable. */
export class RedisServer {
  private child: ChildProcess | undefined

  private constructor(
    readonly port: number,
    private readonly extraArgs: string[],
    private readonly options: RedisServerOptions = {},
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`
  }

  static async start(
    t: Test,
    extraArgs: string[] = [],
    options: RedisServerOptions = {},
  ): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), extraArgs, options)
    await server.start()
    t.teardown(() => server.stop())
    return server
  }

  async start(): Promise<void> {
    const command = [...(this.options.favoured ? favouredLauncher() : []), 'redis-server']
    this.child = spawn(
      command[0] as string,
      [
        ...command.slice(1),
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        ...this.extraArgs,
      ],
      { stdio: 'ignore' },
    )
    const probe = new Redis(this.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    })
    probe.on('error', () => undefined)
    let failure: unknown
    try {
      await eventually(`redis-server on ${this.port} to answer`, async () => {
        try {
          if (probe.status !== 'ready') await probe.connect()
          await probe.ping()
          return true
        } catch (error) {
          failure = error
          probe.disconnect()
          return false
        }
      })
    } catch {
      throw new Error(`redis-server on ${this.port} did not start: ${String(failure)}`)
    } finally {
      probe.disconnect()
    }
  }

  /** Freezes the server (SIGSTOP): connections stay open, nothing is answered, until resume(). */
  pause(): void {
    this.child?.kill('SIGSTOP')
  }

  resume(): void {
    this.child?.kill('SIGCONT')
  }

  /** Kills the server (SIGKILL: like a crash, nothing is saved). Resolves when the process is gone. */
  async stop(): Promise<void> {
    const child = this.child
    this.child = undefined
    if (!child || child.exitCode !== null) return
    const exited = once(child, 'exit')
    child.kill('SIGCONT') // a paused server still dies at once, but let no test leave one frozen
    child.kill('SIGKILL')
    await exited
  }
}
