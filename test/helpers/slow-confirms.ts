/**
 * Loaded into a server process (`node --import`) by tests that need a starved server: every confirm
 * request costs SLOW_CONFIRM_MS more CPU, spent as the request is parsed, where a cold process on a
 * machine with no core to spare spends it. A burst of a thousand confirms then makes event-loop turns of
 * seconds, with the ledger and Redis answering in milliseconds.
 */
import http from 'node:http'
import { blockLoop } from './busy-loop.js'

const ms = Number(process.env.SLOW_CONFIRM_MS ?? 0)
const emit = http.Server.prototype.emit as (
  this: http.Server,
  event: string | symbol,
  ...args: unknown[]
) => boolean

http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
  const request = args[0] as http.IncomingMessage | undefined
  if (event === 'request' && ms > 0 && request?.url?.endsWith('/confirm')) blockLoop(ms)
  return emit.call(this, event, ...args)
}
