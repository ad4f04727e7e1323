import jwt from '@fastify/jwt'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import buildGetJwks from 'get-jwks'
import type { HolderIdentityConfig } from '../config.js'
import { apiError } from '../errors.js'
import { isPrintableHolder } from '../schemas/common.js'

/** Who takes a hold, and whether the answer may tell them about that holder's usage. */
export interface ResolvedHolder {
  holder: string
  /**
   * The request proved it is this holder (a verified identity token) or an admin: refusals may show the
   * holder's usage. A holder named only in the body is a claim anyone can make, so nothing is disclosed.
   */
  disclose: boolean
}

export interface HolderIdentity {
  /** True when holds need a verified identity token (HOLDER_JWT_SECRET or HOLDER_JWKS_URL). */
  readonly enabled: boolean
  resolve(request: FastifyRequest, bodyHolder: string | undefined): Promise<ResolvedHolder>
}

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'] as const

/** get-jwks could not fetch the key set (as opposed to a token naming a key the set does not have). */
class KeysUnavailableError extends Error {}

function holderRequired(): Error {
  return apiError('INVALID_REQUEST', undefined, 'holder is required')
}

/**
 * Optional verified holder identity. When configured, `holder` is the `sub` of the JWT in
 * `Authorization: Bearer <token>` (HS256 with HOLDER_JWT_SECRET, or a key from HOLDER_JWKS_URL); a body
 * `holder` that differs is refused (403 HOLDER_MISMATCH), a missing token is 401 IDENTITY_REQUIRED and a
 * bad one 401 IDENTITY_INVALID. The admin bearer token is accepted instead and then names the holder.
 */
export async function registerHolderIdentity(
  app: FastifyInstance,
  config: HolderIdentityConfig | null,
  isAdmin: (request: FastifyRequest) => boolean,
): Promise<HolderIdentity> {
  if (config === null) {
    return {
      enabled: false,
      resolve: async (request, bodyHolder) => {
        if (bodyHolder === undefined) throw holderRequired()
        return { holder: bodyHolder, disclose: isAdmin(request) }
      },
    }
  }

  const claims = {
    requiredClaims: ['sub'],
    ...(config.issuer ? { allowedIss: config.issuer } : {}),
    ...(config.audience ? { allowedAud: config.audience } : {}),
  }
  if (config.secret) {
    await app.register(jwt, { secret: config.secret, verify: { algorithms: ['HS256'], ...claims } })
  } else {
    const url = new URL(config.jwksUrl as string)
    // get-jwks fetches `<domain>/<jwksPath>` and caches each key (a minute, then a stale copy if the
    // provider is unreachable), so a token costs no fetch once its key is known.
    const jwks = buildGetJwks({ jwksPath: `${url.pathname}${url.search}` })
    await app.register(jwt, {
      decode: { complete: true },
      secret: async (_request: FastifyRequest, token: unknown) => {
        const header = (token as { header?: { kid?: unknown; alg?: unknown } }).header ?? {}
        try {
          return await jwks.getPublicKey({
            domain: url.origin,
            kid: typeof header.kid === 'string' ? header.kid : '',
            alg: typeof header.alg === 'string' ? header.alg : '',
          })
        } catch (error) {
          // A key the set does not have is a bad token; a set that cannot be fetched is our outage.
          if ((error as { code?: string }).code === 'JWK_NOT_FOUND') throw error
          throw new KeysUnavailableError((error as Error).message)
        }
      },
      verify: { algorithms: [...ASYMMETRIC], ...claims },
    })
  }

  return {
    enabled: true,
    async resolve(request, bodyHolder) {
      if (isAdmin(request)) {
        if (bodyHolder === undefined) throw holderRequired()
        return { holder: bodyHolder, disclose: true }
      }
      let subject: unknown
      try {
        subject = (await request.jwtVerify<{ sub?: unknown }>()).sub
      } catch (error) {
        if (error instanceof KeysUnavailableError) {
          request.log.warn({ err: error.message }, 'holder identity keys unavailable')
          throw apiError('IDENTITY_UNAVAILABLE')
        }
        const code = (error as { code?: string }).code
        if (code === 'FST_JWT_NO_AUTHORIZATION_IN_HEADER') throw apiError('IDENTITY_REQUIRED')
        throw apiError('IDENTITY_INVALID')
      }
      if (typeof subject !== 'string' || !isPrintableHolder(subject))
        throw apiError('IDENTITY_INVALID', undefined, 'The identity token has no usable subject (sub)')
      // Never echo the subject: the body's holder may be a guess at someone else's.
      if (bodyHolder !== undefined && bodyHolder !== subject) throw apiError('HOLDER_MISMATCH')
      return { holder: subject, disclose: true }
    },
  }
}
