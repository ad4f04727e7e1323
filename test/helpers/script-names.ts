/**
 * Which of seatlock's scripts a command of MONITOR or SLOWLOG ran: each script is a Redis function
 * (src/redis/scripts.ts), so an FCALL names it by its function; other script commands (redlock's EVALSHA)
 * are named by the command.
 */
import type { Redis } from 'ioredis'
import { loadLibrary } from '../../src/redis/scripts.js'

const LIBRARY = loadLibrary()
const SCRIPT_BY_FUNCTION = new Map([...LIBRARY.functions].map(([script, name]) => [name, script]))

/** A command that runs a script: FCALL, or EVAL/EVALSHA (not seatlock's own). */
export const SCRIPT_COMMAND = /^(fcall|eval|evalsha)(_ro)?$/i

/** The script a script command ran: `first` is its first argument (the function's name for FCALL). */
export function scriptOfCall(command: string, first: string): string {
  return /^fcall(_ro)?$/i.test(command) ? (SCRIPT_BY_FUNCTION.get(first) ?? first) : command
}

/** Loads the scripts' library on a Redis, as a warmed-up one has it: no call of a test meets a lack. */
export async function loadAllFunctions(redis: Redis): Promise<void> {
  await redis.call('FUNCTION', 'LOAD', 'REPLACE', LIBRARY.text)
}
