import { randomUUID } from 'node:crypto'
import type { Test } from 'tap'
import type { Item } from '../../src/domain/items.js'
import type { ConfirmInput } from '../../src/ledger/port.js'
import type { PinResult } from '../../src/redis/hold-store.js'
import { uniqueId } from './app.js'
import type { TestApp } from './app.js'

/** Step 2 of a confirm for a pinned hold, as the confirm service would write it to the ledger. */
export function pinnedSale(eventId: string, holdId: string, pin: PinResult): ConfirmInput {
  if (pin.kind !== 'pinned') throw new Error('expected a pinned hold')
  return {
    reservationId: pin.reservationId,
    holdId,
    eventId,
    holder: pin.holder,
    items: pin.items,
    amount: 1000,
    currency: 'USD',
    paymentRef: null,
    tokenHash: pin.tokenHash,
    createdAt: new Date().toISOString(),
  }
}

/** A sale written straight to the ledger, as if Redis had never heard of it (lost data, another instance). */
export function ledgerSale(eventId: string, items: Item[], holdId = `direct-${randomUUID()}`): ConfirmInput {
  return {
    reservationId: randomUUID(),
    holdId,
    eventId,
    holder: 'direct',
    items,
    amount: 1000,
    currency: 'USD',
    paymentRef: null,
    tokenHash: 'd'.repeat(64),
    createdAt: new Date().toISOString(),
  }
}

/** What a test sold through the API: every hold taken and every reservation confirmed, for the invariants. */
export interface SaleLog {
  holds: string[]
  confirmed: string[]
}

/** Holds (a fresh holder, 10 minutes) and confirms through the API, asserting both, and logs the sale. */
export async function sellThroughApi(
  t: Test,
  api: TestApp,
  eventId: string,
  items: unknown[],
  sales: SaleLog,
  headers: Record<string, string> = {},
): Promise<{ holdId: string; token: string; reservationId: string }> {
  const held = await api.request('POST', `/v1/events/${eventId}/holds`, {
    body: { holder: uniqueId('buyer'), ttlSeconds: 600, items },
    headers,
  })
  t.equal(held.status, 201, 'held')
  sales.holds.push(held.body.id as string)
  const confirmed = await api.request('POST', `/v1/events/${eventId}/holds/${held.body.id}/confirm`, {
    token: held.body.token as string,
  })
  t.equal(confirmed.status, 201, 'confirmed')
  sales.confirmed.push(confirmed.body.id as string)
  return {
    holdId: held.body.id as string,
    token: held.body.token as string,
    reservationId: confirmed.body.id as string,
  }
}
