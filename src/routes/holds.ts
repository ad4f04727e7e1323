import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { apiError } from '../errors.js'
import { errors, isPrintableHolder, NoContent } from '../schemas/common.js'
import {
  ConfirmHoldBody,
  CreateHoldBody,
  CreateHoldBodyVerified,
  CreateHoldHeaders,
  ExtendHoldBody,
  HolderParams,
  HoldParams,
  HoldTokenHeader,
  ReleasedCount,
} from '../schemas/holds.js'
import { EventParams } from '../schemas/events.js'
import type { Services } from '../services/container.js'
import type { HolderIdentity } from '../plugins/holder-identity.js'
import type { HoldLimits } from '../plugins/rate-limits.js'

const TOKEN_ERRORS = [
  'HOLD_TOKEN_REQUIRED',
  'HOLD_TOKEN_INVALID',
  'EVENT_NOT_FOUND',
  'HOLD_NOT_FOUND',
] as const
const HOLDER_MESSAGE = 'holder must be 1-128 printable characters'
const DEPENDENCY_ERRORS = ['REDIS_UNAVAILABLE', 'LEDGER_UNAVAILABLE'] as const
const HOLD_SECURITY: Record<string, string[]>[] = [{ holdToken: [] }, { admin: [] }]

export interface HoldRouteOptions extends Pick<Services, 'auth' | 'holds' | 'confirm'> {
  identity: HolderIdentity
  limits: HoldLimits
}

export const holdRoutes: FastifyPluginAsyncTypebox<HoldRouteOptions> = async (
  app,
  { auth, holds, confirm, identity, limits },
) => {
  // On a Redis Cluster a create's limits are checked apart from the hold (rate-limits.ts): the address
  // check starts before the body is read and is awaited with the holder's, so a hold waits for one round
  // trip of checks, not two in a row. Its outcome is kept as a value, so a request refused before the
  // handler (a bad body) leaves no rejected promise behind. On one Redis the hold's script counts them, and
  // a create refused before the script is counted apart (createFailed, an error hook, so a hold answered 201
  // runs no hook), and an address known over its limit is refused first thing in the handler (createGate).
  const addressChecks = new WeakMap<FastifyRequest, Promise<unknown>>()
  const byAddress = limits.createByAddress
  const { createGate, createFailed } = limits
  /** An error hook that counts a request its script never counted (createFailed, confirmFailed). */
  const countOnError = (count: (request: FastifyRequest) => void) => ({
    onError: (request: FastifyRequest, _reply: FastifyReply, _error: Error, done: () => void) => {
      count(request)
      done()
    },
  })
  const createLimit = byAddress
    ? {
        onRequest: async (request: FastifyRequest) => {
          addressChecks.set(
            request,
            byAddress(request).then(
              () => null,
              (refusal: unknown) => refusal,
            ),
          )
        },
      }
    : createFailed
      ? countOnError(createFailed)
      : {}
  const actionLimit = limits.actionsByAddress ? { onRequest: limits.actionsByAddress } : {}
  // On one Redis a confirm's actions limit is counted by its pin script (rate-limits.ts); a confirm that
  // ends in an error before the pin counted it is counted apart once answered.
  // confirmActions and confirmFailed come together (rate-limits.ts countedByPins).
  const { confirmActions, confirmFailed } = limits
  const confirmLimit = confirmFailed ? countOnError(confirmFailed) : actionLimit
  const LIMIT_ERRORS =
    limits.createCounters || limits.createByAddress || limits.createByHolder
      ? (['RATE_LIMITED'] as const)
      : []
  const ACTION_LIMIT_ERRORS = limits.actionsByAddress ? (['RATE_LIMITED'] as const) : []
  const IDENTITY_ERRORS = identity.enabled
    ? (['IDENTITY_REQUIRED', 'IDENTITY_INVALID', 'HOLDER_MISMATCH', 'IDENTITY_UNAVAILABLE'] as const)
    : []

  app.post(
    '/v1/events/:eventId/holds',
    {
      schema: {
        operationId: 'createHold',
        summary: 'Take a hold on seats and general-admission units, all or nothing',
        description:
          'Send an Idempotency-Key to make retries safe: the same key for the same event and holder within 24 h ' +
          'returns the first response again (header Idempotent-Replayed: true).',
        tags: ['holds'],
        ...(identity.enabled ? { security: [{ holderIdentity: [] }, { admin: [] }] } : {}),
        params: EventParams,
        headers: CreateHoldHeaders,
        // The verified variant only makes `holder` optional; the handler reads it as possibly absent.
        body: (identity.enabled ? CreateHoldBodyVerified : CreateHoldBody) as typeof CreateHoldBody,
        response: {
          201: Type.Ref('Hold'),
          ...errors(
            'INVALID_JSON',
            'DUPLICATE_SEATS',
            'TOO_MANY_SEATS',
            'INVALID_TTL',
            'EVENT_NOT_FOUND',
            'SEAT_UNAVAILABLE',
            'INSUFFICIENT_CAPACITY',
            'HOLDER_LIMIT_EXCEEDED',
            'SALES_NOT_OPEN',
            'SALES_CLOSED',
            'EVENT_ARCHIVED',
            'PAYLOAD_TOO_LARGE',
            'UNSUPPORTED_MEDIA_TYPE',
            'UNKNOWN_SECTION',
            'UNKNOWN_SEAT',
            'WRONG_ITEM_KIND',
            'IDEMPOTENCY_KEY_REUSED',
            'EVENT_LOADING',
            ...DEPENDENCY_ERRORS,
            ...LIMIT_ERRORS,
            ...IDENTITY_ERRORS,
          ),
        },
      },
      ...createLimit,
    },
    async (request, reply) => {
      // Before the holder is resolved (a JWKS lookup) and the event read: an address known over its limit.
      const over = createGate?.(request)
      if (over) throw over
      const { eventId } = request.params
      const bodyHolder = request.body.holder as string | undefined
      if (bodyHolder !== undefined && !isPrintableHolder(bodyHolder))
        throw apiError('INVALID_REQUEST', undefined, HOLDER_MESSAGE)
      const { holder, disclose } = await identity.resolve(request, bodyHolder)
      const holderCheck = limits.createByHolder?.(request, holder).then(
        () => null,
        (refusal: unknown) => refusal,
      )
      const refused = (await addressChecks.get(request)) ?? (await holderCheck)
      if (refused) throw refused
      const { view, replayed } = await holds.create(
        eventId,
        { ...request.body, holder },
        request.headers['idempotency-key'],
        disclose,
        auth.isAdmin(request),
        limits.createCounters?.(request, holder),
      )
      if (replayed) reply.header('Idempotent-Replayed', 'true')
      return reply.code(201).header('Location', `/v1/events/${eventId}/holds/${view.id}`).send(view)
    },
  )

  app.get(
    '/v1/events/:eventId/holds/:holdId',
    {
      schema: {
        operationId: 'getHold',
        summary: 'Read a hold (Hold-Token or admin)',
        tags: ['holds'],
        security: HOLD_SECURITY,
        params: HoldParams,
        headers: HoldTokenHeader,
        response: {
          200: Type.Ref('Hold'),
          ...errors(
            ...TOKEN_ERRORS,
            'HOLD_EXPIRED',
            'HOLD_RELEASED',
            ...DEPENDENCY_ERRORS,
            ...ACTION_LIMIT_ERRORS,
          ),
        },
      },
      ...actionLimit,
    },
    async (request) => holds.get(request.params.eventId, request.params.holdId, auth.holdAuth(request)),
  )

  app.post(
    '/v1/events/:eventId/holds/:holdId/extend',
    {
      schema: {
        operationId: 'extendHold',
        summary: 'Extend a hold: expiry = now + ttlSeconds, capped at HOLD_LIFETIME_MAX_S from creation',
        tags: ['holds'],
        security: HOLD_SECURITY,
        params: HoldParams,
        headers: HoldTokenHeader,
        body: ExtendHoldBody,
        response: {
          200: Type.Ref('Hold'),
          ...errors(
            ...TOKEN_ERRORS,
            'INVALID_JSON',
            'INVALID_TTL',
            'HOLD_EXPIRED',
            'HOLD_RELEASED',
            'HOLD_CONFIRMED',
            'HOLD_CONFIRMING',
            'UNSUPPORTED_MEDIA_TYPE',
            ...DEPENDENCY_ERRORS,
            ...ACTION_LIMIT_ERRORS,
          ),
        },
      },
      ...actionLimit,
    },
    async (request) =>
      holds.extend(
        request.params.eventId,
        request.params.holdId,
        auth.holdAuth(request),
        request.body.ttlSeconds,
      ),
  )

  app.delete(
    '/v1/events/:eventId/holds/:holdId',
    {
      schema: {
        operationId: 'releaseHold',
        summary: 'Release a hold now; its seats are available before the response',
        tags: ['holds'],
        security: HOLD_SECURITY,
        params: HoldParams,
        headers: HoldTokenHeader,
        response: {
          204: NoContent,
          ...errors(
            ...TOKEN_ERRORS,
            'HOLD_EXPIRED',
            'HOLD_RELEASED',
            'HOLD_CONFIRMED',
            'HOLD_CONFIRMING',
            ...DEPENDENCY_ERRORS,
            ...ACTION_LIMIT_ERRORS,
          ),
        },
      },
      ...actionLimit,
    },
    async (request, reply) => {
      await holds.release(request.params.eventId, request.params.holdId, auth.holdAuth(request))
      return reply.code(204).send(null)
    },
  )

  app.post(
    '/v1/events/:eventId/holds/:holdId/confirm',
    {
      schema: {
        operationId: 'confirmHold',
        summary: 'Confirm a hold: one ledger transaction writes the reservation',
        description: 'Safe to retry: confirming a confirmed hold answers 200 with the same reservation.',
        tags: ['holds'],
        security: HOLD_SECURITY,
        params: HoldParams,
        headers: HoldTokenHeader,
        body: Type.Optional(ConfirmHoldBody),
        response: {
          200: Type.Ref('Reservation'),
          201: Type.Ref('Reservation'),
          ...errors(
            ...TOKEN_ERRORS,
            'INVALID_JSON',
            'HOLD_EXPIRED',
            'HOLD_RELEASED',
            'SEAT_UNAVAILABLE',
            'INSUFFICIENT_CAPACITY',
            'UNSUPPORTED_MEDIA_TYPE',
            ...DEPENDENCY_ERRORS,
            ...ACTION_LIMIT_ERRORS,
          ),
        },
      },
      ...confirmLimit,
    },
    async (request, reply) => {
      const { eventId, holdId } = request.params
      const outcome = await confirm.confirm(
        eventId,
        holdId,
        auth.holdAuth(request),
        request.body?.paymentRef ?? null,
        confirmActions?.(request),
      )
      return reply
        .code(outcome.created ? 201 : 200)
        .header('Location', `/v1/events/${eventId}/reservations/${outcome.reservation.id}`)
        .send(outcome.reservation)
    },
  )

  app.delete(
    '/v1/events/:eventId/holders/:holder/holds',
    {
      schema: {
        operationId: 'releaseHolderHolds',
        summary: 'Release every active hold of one holder (admin)',
        description:
          'With verified holder identity (HOLDER_JWT_SECRET / HOLDER_JWKS_URL) the holder is the subject (sub) of the ' +
          "buyer's identity token, as every hold records it.",
        tags: ['holds'],
        security: [{ admin: [] }],
        params: HolderParams,
        response: { 200: ReleasedCount, ...errors('UNAUTHORIZED', 'EVENT_NOT_FOUND', ...DEPENDENCY_ERRORS) },
      },
      preValidation: async (request) => auth.requireAdmin(request),
    },
    async (request, reply) => {
      if (!isPrintableHolder(request.params.holder))
        throw apiError('INVALID_REQUEST', undefined, HOLDER_MESSAGE)
      const released = await holds.releaseHolder(request.params.eventId, request.params.holder)
      reply.releasedHolds = released
      return { released }
    },
  )
}
