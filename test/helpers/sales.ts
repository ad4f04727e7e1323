import { randomUUID } from 'node:crypto'
import type { Item } from '../../src/domain/items.js'
import type { ConfirmInput } from '../../src/ledger/port.js'
import type { PinResult } from '../../src/redis/hold-store.js'

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
