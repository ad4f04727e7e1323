import type { SalesWindow } from '../../domain/sales-window.js'
import type { RedisClient } from '../client.js'
import type { EventKeys } from '../keys.js'
import { num } from './replies.js'

const msOrNone = (iso: string | null): string | number => (iso === null ? '' : Date.parse(iso))

/**
 * Records the sales window createHold enforces (lua/recordSales-1.lua). `replace`: an admin's change;
 * otherwise (a load) only when none is recorded yet. False when the recorded window was left as it was.
 */
export async function recordSales(
  redis: RedisClient,
  k: EventKeys,
  args: { sales: SalesWindow; replace: boolean },
): Promise<{ recorded: boolean }> {
  const { sales } = args
  const reply = await redis.recordSales(
    1,
    k.meta,
    args.replace ? '1' : '0',
    msOrNone(sales.openAt),
    msOrNone(sales.closeAt),
    sales.closed ? '1' : '0',
  )
  return { recorded: num(reply[0]) === 1 }
}
