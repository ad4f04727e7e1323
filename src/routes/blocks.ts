import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { BlockListView, BlockParams, CreateBlockBody } from '../schemas/blocks.js'
import { errors, NoContent } from '../schemas/common.js'
import { EventParams } from '../schemas/events.js'
import type { Services } from '../services/container.js'

export type BlockRouteOptions = Pick<Services, 'auth' | 'blocks'> & {
  /** A block of 1,000 seats with long labels is larger than the public routes' 64 KiB. */
  adminBodyLimitBytes: number
}

/** Seats held back by an admin: blocks, and allocations that may go back on sale at a set time. */
export const blockRoutes: FastifyPluginAsyncTypebox<BlockRouteOptions> = async (
  app,
  { auth, blocks, adminBodyLimitBytes },
) => {
  const readErrors = ['UNAUTHORIZED', 'EVENT_NOT_FOUND', 'LEDGER_UNAVAILABLE'] as const

  app.post(
    '/v1/events/:eventId/blocks',
    {
      bodyLimit: adminBodyLimitBytes,
      schema: {
        operationId: 'createBlock',
        summary: 'Hold seats back: a block, or a named allocation with an optional release time (admin)',
        description:
          'All or nothing: when any seat is held, sold or in another block, nothing is blocked (409 ' +
          'SEATS_NOT_BLOCKABLE lists each such seat and why). Seats of seated sections only. Until the block ' +
          'ends nobody can hold its seats, admins included; they count as `blocked`, not available. An ' +
          "allocation's seats go back on sale by themselves within a second of `releaseAt`, announced once " +
          'on the event stream as seats.released.',
        tags: ['blocks'],
        security: [{ admin: [] }],
        params: EventParams,
        body: CreateBlockBody,
        response: {
          201: Type.Ref('Block'),
          ...errors(
            'INVALID_JSON',
            'DUPLICATE_SEATS',
            'SECTION_NOT_SEATED',
            'INVALID_RELEASE_AT',
            ...readErrors,
            'SEATS_NOT_BLOCKABLE',
            'PAYLOAD_TOO_LARGE',
            'UNSUPPORTED_MEDIA_TYPE',
            'UNKNOWN_SECTION',
            'UNKNOWN_SEAT',
            'REDIS_UNAVAILABLE',
            'EVENT_LOADING',
          ),
        },
      },
      preValidation: async (request) => auth.requireAdmin(request),
    },
    async (request, reply) => {
      const view = await blocks.create(request.params.eventId, request.body)
      return reply.code(201).header('Location', `/v1/events/${view.eventId}/blocks/${view.id}`).send(view)
    },
  )

  app.get(
    '/v1/events/:eventId/blocks',
    {
      schema: {
        operationId: 'listBlocks',
        summary: 'The blocks and allocations holding seats now, oldest first (admin)',
        tags: ['blocks'],
        security: [{ admin: [] }],
        params: EventParams,
        response: { 200: BlockListView, ...errors(...readErrors) },
      },
      preValidation: async (request) => auth.requireAdmin(request),
    },
    async (request) => blocks.list(request.params.eventId),
  )

  app.get(
    '/v1/events/:eventId/blocks/:blockId',
    {
      schema: {
        operationId: 'getBlock',
        summary: 'One block, also after it ended (unblocked or released) (admin)',
        tags: ['blocks'],
        security: [{ admin: [] }],
        params: BlockParams,
        response: { 200: Type.Ref('Block'), ...errors(...readErrors, 'BLOCK_NOT_FOUND') },
      },
      preValidation: async (request) => auth.requireAdmin(request),
    },
    async (request) => blocks.get(request.params.eventId, request.params.blockId),
  )

  app.delete(
    '/v1/events/:eventId/blocks/:blockId',
    {
      schema: {
        operationId: 'deleteBlock',
        summary: 'Unblock: every seat of the block goes back on sale at once (admin)',
        description:
          'All of its seats in one step, available before the response (announced as seats.unblocked). ' +
          'Safe to repeat: a block that already ended answers 204 again.',
        tags: ['blocks'],
        security: [{ admin: [] }],
        params: BlockParams,
        response: {
          204: NoContent,
          ...errors(...readErrors, 'BLOCK_NOT_FOUND', 'REDIS_UNAVAILABLE', 'EVENT_LOADING'),
        },
      },
      preValidation: async (request) => auth.requireAdmin(request),
    },
    async (request, reply) => {
      await blocks.remove(request.params.eventId, request.params.blockId)
      return reply.code(204).send(null)
    },
  )
}
