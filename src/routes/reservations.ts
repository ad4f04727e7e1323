import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { errors, NoContent } from '../schemas/common.js'
import { EventParams } from '../schemas/events.js'
import { HoldTokenHeader } from '../schemas/holds.js'
import { ReservationListQuery, ReservationPage, ReservationParams } from '../schemas/reservations.js'
import type { Services } from '../services/container.js'

const ACCESS_ERRORS = [
  'HOLD_TOKEN_REQUIRED',
  'HOLD_TOKEN_INVALID',
  'EVENT_NOT_FOUND',
  'RESERVATION_NOT_FOUND',
] as const

export type ReservationRouteOptions = Pick<Services, 'auth' | 'reservations'>

export const reservationRoutes: FastifyPluginAsyncTypebox<ReservationRouteOptions> = async (
  app,
  { auth, reservations },
) => {
  app.get(
    '/v1/events/:eventId/reservations/:reservationId',
    {
      schema: {
        operationId: 'getReservation',
        summary: 'A reservation (the token of the hold it came from, or admin)',
        tags: ['reservations'],
        security: [{ holdToken: [] }, { admin: [] }],
        params: ReservationParams,
        headers: HoldTokenHeader,
        response: { 200: Type.Ref('Reservation'), ...errors(...ACCESS_ERRORS, 'LEDGER_UNAVAILABLE') },
      },
    },
    async (request) =>
      reservations.get(request.params.eventId, request.params.reservationId, auth.holdAuth(request)),
  )

  app.delete(
    '/v1/events/:eventId/reservations/:reservationId',
    {
      schema: {
        operationId: 'cancelReservation',
        summary: 'Cancel a reservation: the ledger returns its seats in one transaction',
        tags: ['reservations'],
        security: [{ holdToken: [] }, { admin: [] }],
        params: ReservationParams,
        headers: HoldTokenHeader,
        response: { 204: NoContent, ...errors(...ACCESS_ERRORS, 'LEDGER_UNAVAILABLE', 'REDIS_UNAVAILABLE') },
      },
    },
    async (request, reply) => {
      await reservations.cancel(request.params.eventId, request.params.reservationId, auth.holdAuth(request))
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/v1/events/:eventId/reservations',
    {
      schema: {
        operationId: 'listReservations',
        summary: 'Confirmed reservations, newest first (admin)',
        tags: ['reservations'],
        security: [{ admin: [] }],
        params: EventParams,
        querystring: ReservationListQuery,
        response: {
          200: ReservationPage,
          ...errors('UNAUTHORIZED', 'EVENT_NOT_FOUND', 'INVALID_CURSOR', 'LEDGER_UNAVAILABLE'),
        },
      },
      preValidation: async (request) => auth.requireAdmin(request),
    },
    async (request) =>
      reservations.list(
        request.params.eventId,
        Number(request.query.limit ?? 20),
        request.query.cursor ?? null,
      ),
  )
}
