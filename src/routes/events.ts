import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { errors, NoContent } from '../schemas/common.js'
import {
  CreateEventBody,
  EventListQuery,
  EventListView,
  EventParams,
  SeatsQuery,
  SeatsView,
  UpdateEventBody,
} from '../schemas/events.js'
import type { Services } from '../services/container.js'

export type EventRouteOptions = Pick<Services, 'auth' | 'events' | 'lifecycle'> & {
  /** Body limit of the admin routes that take a venue (ADMIN_BODY_LIMIT_BYTES). */
  adminBodyLimitBytes: number
}

export const eventRoutes: FastifyPluginAsyncTypebox<EventRouteOptions> = async (
  app,
  { auth, events, lifecycle, adminBodyLimitBytes },
) => {
  /** What the two seat reads (the list and the map) answer besides their view. */
  const seatReadErrors = errors(
    'EVENT_NOT_FOUND',
    'UNKNOWN_SECTION',
    'REDIS_UNAVAILABLE',
    'LEDGER_UNAVAILABLE',
    'EVENT_LOADING',
  )
  app.post(
    '/v1/events',
    {
      bodyLimit: adminBodyLimitBytes,
      schema: {
        operationId: 'createEvent',
        summary: 'Create an event (admin)',
        tags: ['events'],
        security: [{ admin: [] }],
        body: CreateEventBody,
        response: {
          201: Type.Ref('Event'),
          ...errors(
            'INVALID_JSON',
            'DUPLICATE_SEATS',
            'INVALID_LAYOUT',
            'UNAUTHORIZED',
            'EVENT_EXISTS',
            'PAYLOAD_TOO_LARGE',
            'UNSUPPORTED_MEDIA_TYPE',
            'REDIS_UNAVAILABLE',
            'LEDGER_UNAVAILABLE',
          ),
        },
      },
      preValidation: async (request) => auth.requireAdmin(request),
    },
    async (request, reply) => {
      const view = await events.create(request.body)
      return reply.code(201).header('Location', `/v1/events/${view.id}`).send(view)
    },
  )

  app.get(
    '/v1/events',
    {
      schema: {
        operationId: 'listEvents',
        summary: 'Events, paged, by where their sale stands and by start (admin)',
        description:
          'A stable order: events without a start first, then by start, then by id. `status` is judged at ' +
          'Redis time, the clock holds are refused by.',
        tags: ['events'],
        security: [{ admin: [] }],
        querystring: EventListQuery,
        response: {
          200: EventListView,
          ...errors('UNAUTHORIZED', 'INVALID_CURSOR', 'REDIS_UNAVAILABLE', 'LEDGER_UNAVAILABLE'),
        },
      },
      preValidation: async (request) => auth.requireAdmin(request),
    },
    async (request) => events.list(request.query),
  )

  app.get(
    '/v1/events/:eventId',
    {
      schema: {
        operationId: 'getEvent',
        summary: 'An event with live counts per section',
        tags: ['events'],
        params: EventParams,
        response: {
          200: Type.Ref('Event'),
          ...errors('EVENT_NOT_FOUND', 'REDIS_UNAVAILABLE', 'LEDGER_UNAVAILABLE', 'EVENT_LOADING'),
        },
      },
    },
    async (request) => events.view(await events.get(request.params.eventId)),
  )

  app.patch(
    '/v1/events/:eventId',
    {
      schema: {
        operationId: 'updateEvent',
        summary: 'Change an event: name, start, sales window, prices before the first sale (admin)',
        description:
          'Only the fields given change. A sales window change applies to the next hold on every instance; ' +
          'other instances serve a new name, start or price within about 2 s. Prices change only while ' +
          'nothing is sold (409 PRICES_LOCKED); seats and sections never change.',
        tags: ['events'],
        security: [{ admin: [] }],
        params: EventParams,
        body: UpdateEventBody,
        response: {
          200: Type.Ref('Event'),
          ...errors(
            'INVALID_JSON',
            'UNAUTHORIZED',
            'EVENT_NOT_FOUND',
            'PRICES_LOCKED',
            'EVENT_ARCHIVED',
            'UNKNOWN_SECTION',
            'UNSUPPORTED_MEDIA_TYPE',
            'REDIS_UNAVAILABLE',
            'LEDGER_UNAVAILABLE',
            'EVENT_LOADING',
          ),
        },
      },
      preValidation: async (request) => auth.requireAdmin(request),
    },
    async (request) => events.update(request.params.eventId, request.body),
  )

  app.get(
    '/v1/events/:eventId/seats',
    {
      schema: {
        operationId: 'listSeats',
        summary: 'Status of every seat of the seated sections',
        tags: ['events'],
        params: EventParams,
        querystring: SeatsQuery,
        response: {
          200: SeatsView,
          ...seatReadErrors,
        },
      },
    },
    async (request) => events.seats(await events.get(request.params.eventId), request.query.section),
  )

  app.get(
    '/v1/events/:eventId/seat-map',
    {
      schema: {
        operationId: 'getSeatMap',
        summary: 'Compact status of every seat of the seated sections, with counts per section and row',
        description:
          'One character per seat, for a live seat map of a large venue (about one byte a seat). Each ' +
          'section is read in pages: seats change while it is read, and the counts are those of `status`.',
        tags: ['events'],
        params: EventParams,
        querystring: SeatsQuery,
        response: {
          200: Type.Ref('SeatMap'),
          ...seatReadErrors,
        },
      },
    },
    async (request) => events.seatMap(await events.get(request.params.eventId), request.query.section),
  )

  for (const [action, closed] of [
    ['close', true],
    ['open', false],
  ] as const) {
    app.post(
      `/v1/events/:eventId/sales/${action}`,
      {
        schema: {
          operationId: closed ? 'closeSales' : 'openSales',
          summary: closed
            ? "Close the event's sales at once (admin)"
            : "Reopen the event's sales closed by hand (admin)",
          description: closed
            ? 'From the next request on every instance, holds are refused with 409 SALES_CLOSED until the ' +
              'sales are reopened. Admin holds (the box office) still sell; existing holds may be confirmed.'
            : 'Undoes a close: holds are accepted again within the sales window (outside it they are ' +
              'still refused: SALES_NOT_OPEN before it, SALES_CLOSED after it).',
          tags: ['events'],
          security: [{ admin: [] }],
          params: EventParams,
          response: {
            200: Type.Ref('Event'),
            ...errors(
              'UNAUTHORIZED',
              'EVENT_NOT_FOUND',
              'EVENT_ARCHIVED',
              'REDIS_UNAVAILABLE',
              'LEDGER_UNAVAILABLE',
              'EVENT_LOADING',
            ),
          },
        },
        preValidation: async (request) => auth.requireAdmin(request),
      },
      async (request) => events.setSalesClosed(request.params.eventId, closed),
    )
  }

  app.post(
    '/v1/events/:eventId/archive',
    {
      schema: {
        operationId: 'archiveEvent',
        summary: 'Archive an event that is over (admin)',
        description:
          'An event whose start has passed, or whose sales ended or were closed, becomes `archived` for good: ' +
          'its Redis state is removed and never rebuilt; reads (the event, its seats and seat map) come from ' +
          'the ledger; holds are refused with 409 EVENT_ARCHIVED on every instance from the next request; ' +
          'reservations stay readable and cancellable (in the ledger alone). 409 EVENT_NOT_ENDED before it is ' +
          'over, 409 EVENT_BUSY while a hold, a confirm in flight or a change stream lives in it (release or ' +
          'let them expire, then retry). A repeat answers 200 with the archived event.',
        tags: ['events'],
        security: [{ admin: [] }],
        params: EventParams,
        response: {
          200: Type.Ref('Event'),
          ...errors(
            'UNAUTHORIZED',
            'EVENT_NOT_FOUND',
            'EVENT_NOT_ENDED',
            'EVENT_BUSY',
            'REDIS_UNAVAILABLE',
            'LEDGER_UNAVAILABLE',
            'EVENT_LOADING',
          ),
        },
      },
      preValidation: async (request) => auth.requireAdmin(request),
    },
    async (request) => lifecycle.archive(request.params.eventId),
  )

  app.delete(
    '/v1/events/:eventId',
    {
      schema: {
        operationId: 'deleteEvent',
        summary: 'Delete an event that never sold (admin)',
        description:
          'Only an event without any reservation (confirmed, cancelled or voided) may be deleted: 204, and ' +
          'the event, its holds and its Redis state are gone (404 afterwards). Otherwise 409 EVENT_HAS_SALES. ' +
          'The ledger decides in one transaction: a confirm racing the delete either commits first (and the ' +
          'delete is refused) or fails with 404 EVENT_NOT_FOUND.',
        tags: ['events'],
        security: [{ admin: [] }],
        params: EventParams,
        response: {
          204: NoContent,
          ...errors(
            'UNAUTHORIZED',
            'EVENT_NOT_FOUND',
            'EVENT_HAS_SALES',
            'REDIS_UNAVAILABLE',
            'LEDGER_UNAVAILABLE',
            'EVENT_LOADING',
          ),
        },
      },
      preValidation: async (request) => auth.requireAdmin(request),
    },
    async (request, reply) => {
      await lifecycle.delete(request.params.eventId)
      return reply.code(204).send(null)
    },
  )
}
