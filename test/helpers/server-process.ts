import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'
import { eventually } from './eventually.js'

const SERVER = fileURLToPath(new URL('../../src/server.ts', import.meta.url))

export interface ServerProcess {
  child: ChildProcess
  url: string
  /** Everything the process printed so far (stdout and stderr). */
  output(): string
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>
}

/**
 * Runs the real service (src/server.ts, through tap's TypeScript loader) as its own process on a free
 * port, and resolves once it listens. Killed at teardown if still running.
 */
/** Test load comes from one address: a test that wants limits passes its own values. */
const NO_RATE_LIMITS = {
  RATE_LIMIT_HOLDS_PER_MIN: '0',
  RATE_LIMIT_HOLDS_PER_HOLDER_PER_MIN: '0',
  RATE_LIMIT_HOLD_ACTIONS_PER_MIN: '0',
}

export async function startServerProcess(
  t: Test,
  env: Record<string, string>,
  /** Modules the process imports before the server (test instruments such as slow-confirms.ts). */
  preload: string[] = [],
): Promise<ServerProcess> {
  const imports = preload.flatMap((module) => ['--import', module])
  const child = spawn(process.execPath, ['--import', '@tapjs/typescript/import', ...imports, SERVER], {
    env: {
      ...process.env,
      TS_NODE_TRANSPILE_ONLY: '1',
      PORT: '0',
      LOG_LEVEL: 'info',
      ...NO_RATE_LIMITS,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string)
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
  })
  const url = await eventually(
    'the server to listen',
    () => {
      if (child.exitCode !== null) throw new Error('it exited')
      return /seatlock: listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1]
    },
    { deadlineMs: 30_000 },
  ).catch((error: unknown) => {
    throw new Error(`server did not start (${(error as Error).message}):\n${output}`)
  })
  return { child, url, output: () => output, exited }
}

/** Runs the service expecting it to refuse to start; resolves with its exit code and output. */
export async function runServerToExit(env: Record<string, string>, timeoutMs = 30_000) {
  const child = spawn(process.execPath, ['--import', '@tapjs/typescript/import', SERVER], {
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const [code] = (await once(child, 'exit')) as [number | null]
  clearTimeout(timer)
  return { code, stdout, stderr }
}
