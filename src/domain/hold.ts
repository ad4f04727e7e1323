/** A hold's life and who may act on it. */
import { safeEqual } from '../lib/tokens.js'

export type HoldStatus = 'held' | 'confirming' | 'confirmed'

/** Who is asking about a hold or its reservation: the hold's owner (by its token) or an admin. */
export interface HoldAuth {
  /** SHA-256 hex of the presented Hold-Token ("" when the caller is an admin without one). */
  tokenHash: string
  admin: boolean
}

/** The hold's owner (the same token) or an admin may read and act on what the hold became. */
export function grants(auth: HoldAuth, tokenHash: string): boolean {
  return auth.admin || safeEqual(tokenHash, auth.tokenHash)
}
