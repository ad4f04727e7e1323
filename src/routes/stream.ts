import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { apiError } from '../errors.js'
import { SseResponse } from '../lib/sse-response.js'
import { errors } from '../schemas/common.js'
import { EventParams } from '../schemas/events.js'
import type { Services } from '../services/container.js'
import { isArchived } from '../services/events.js'

const STREAM_DESCRIPTION = `Server-Sent Events (\`text/event-stream\`), public. The stream opens with one \`snapshot\` event whose
data is the event view (as \`GET /v1/events/{eventId}\`), then sends one event per change:
\`hold.created\`, \`hold.extended\`, \`hold.released\`, \`hold.expired\`, \`hold.confirmed\`,
\`reservation.cancelled\`. The data of a change is JSON:
\`{"type", "eventId", "at", "holdId"?, "reservationId"?, "expiresAt"?, "sections": [{"id", "capacity",
"available", "held", "sold"}]}\`, with the counts after the change for each section it touched. \`id:\` is
\`<at ms>-<sequence>\`. A \`: ping\` comment is sent every 15 s. Changes are not replayed: after a
reconnection (\`Last-Event-ID\` is ignored) a new snapshot gives the current counts. 503
\`TOO_MANY_STREAMS\` when this instance serves as many streams as it allows; 409 \`EVENT_ARCHIVED\` for an
archived event (it changes no more).`

export type StreamRouteOptions = Pick<Services, 'events' | 'streams'>

export const streamRoutes: FastifyPluginAsyncTypebox<StreamRouteOptions> = async (
  app,
  { events, streams },
) => {
  app.get(
    '/v1/events/:eventId/stream',
    {
      schema: {
        operationId: 'streamEvent',
        summary: 'Live changes of an event (Server-Sent Events)',
        description: STREAM_DESCRIPTION,
        tags: ['events'],
        params: EventParams,
        response: {
          200: {
            description: 'An endless stream of `snapshot` and change events',
            content: {
              'text/event-stream': {
                schema: Type.String({
                  description:
                    'event: hold.created\\ndata: {"type":"hold.created","eventId":"demo","at":"…",' +
                    '"holdId":"…","expiresAt":"…","sections":[{"id":"stalls","capacity":40,"available":38,' +
                    '"held":2,"sold":0}]}',
                }),
              },
            },
          },
          ...errors(
            'EVENT_NOT_FOUND',
            'EVENT_ARCHIVED',
            'TOO_MANY_STREAMS',
            'REDIS_UNAVAILABLE',
            'LEDGER_UNAVAILABLE',
            'EVENT_LOADING',
          ),
        },
      },
    },
    async (request, reply) => {
      const event = await events.get(request.params.eventId)
      // An archived event changes no more, and a stream would mark it watched in Redis: refused.
      await events.counts(event)
      if (isArchived(event)) throw apiError('EVENT_ARCHIVED', { eventId: event.definition.id })
      await streams.open(event, () => SseResponse.hijack(reply))
      return reply
    },
  )
}
