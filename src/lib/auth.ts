import type { FastifyRequest } from 'fastify'
import type { HoldAuth } from '../domain/hold.js'
import { apiError } from '../errors.js'
import { hashToken, safeEqual } from './tokens.js'

export interface Auth {
  isAdmin(request: FastifyRequest): boolean
  /** 401 UNAUTHORIZED unless the request carries the admin bearer token. */
  requireAdmin(request: FastifyRequest): void
  /** The admin bearer token, or the Hold-Token header (401 HOLD_TOKEN_REQUIRED when neither). */
  holdAuth(request: FastifyRequest): HoldAuth
}

export function createAuth(adminToken: string): Auth {
  const isAdmin = (request: FastifyRequest): boolean => {
    const header = request.headers.authorization
    if (typeof header !== 'string' || !header.startsWith('Bearer ')) return false
    return safeEqual(header.slice(7).trim(), adminToken)
  }
  return {
    isAdmin,
    requireAdmin(request) {
      if (!isAdmin(request)) throw apiError('UNAUTHORIZED')
    },
    holdAuth(request) {
      if (isAdmin(request)) return { tokenHash: '', admin: true }
      const token = request.headers['hold-token']
      if (typeof token !== 'string' || token.length === 0) throw apiError('HOLD_TOKEN_REQUIRED')
      return { tokenHash: hashToken(token), admin: false }
    },
  }
}
