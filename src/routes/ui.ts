import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { UI_DIR } from '../paths.js'
import { errors } from '../schemas/common.js'
import { EventParams } from '../schemas/events.js'
import type { Services } from '../services/container.js'

/**
 * Everything the page loads comes from this service: a browser refuses any other origin, so a page
 * that reached for a CDN at run time would fail visibly instead of silently depending on the network.
 * Scripts are the served modules alone (no inline script); styles come from the served stylesheet.
 */
export const UI_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ')

const UI_HEADERS = {
  'content-security-policy': UI_CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  // The page's URL names the event only, but a token typed into it must never leak through a Referer.
  'referrer-policy': 'no-referrer',
}

export type UiRouteOptions = Pick<Services, 'events'>

/** The live seat map page (`/ui/events/:eventId`) and its assets (`/ui/assets/…`). */
export const uiRoutes: FastifyPluginAsyncTypebox<UiRouteOptions> = async (app, { events }) => {
  // Read once; the page reads its event from its own URL. The server adds only the preloads of the
  // event's first two reads, so they travel with the page's modules instead of after them.
  const page = await readFile(join(UI_DIR, 'index.html'), 'utf8')
  const withPreloads = (eventId: string) => {
    const path = `../../v1/events/${encodeURIComponent(eventId)}`
    return page.replace(
      '<!-- data preloads -->',
      [path, `${path}/seat-map`]
        .map((href) => `<link rel="preload" as="fetch" crossorigin="anonymous" href="${href}" />`)
        .join('\n    '),
    )
  }

  await app.register(fastifyStatic, {
    root: join(UI_DIR, 'assets'),
    prefix: '/ui/assets/',
    // swagger-ui registers this plugin too; only one may decorate the reply.
    decorateReply: false,
    index: false,
    list: false,
    schemaHide: true,
    // Revalidated on every load (ETag): a new release's assets are picked up without a cache-busting build.
    cacheControl: false,
    setHeaders: (reply) => {
      reply.headers(UI_HEADERS)
      reply.header('cache-control', 'no-cache')
    },
  })

  app.get(
    '/ui/events/:eventId',
    {
      schema: {
        operationId: 'seatMapPage',
        summary: 'A live seat map page for people (HTML): buyer and operator modes',
        description:
          'Draws every section as rows of seats coloured by status, live through the event stream; a buyer ' +
          'selects seats or asks for the best seats together in a section given as rows, holds, confirms or ' +
          'releases them; an operator (admin token typed into the page) watches holds per second, refusals, ' +
          'expiring holds and expiry lag. Served with its assets by this service, nothing from elsewhere.',
        tags: ['ui'],
        params: EventParams,
        response: {
          200: {
            description: 'The page',
            content: { 'text/html': { schema: Type.String({ examples: ['<!doctype html>…'] }) } },
          },
          ...errors('EVENT_NOT_FOUND', 'REDIS_UNAVAILABLE', 'LEDGER_UNAVAILABLE', 'EVENT_LOADING'),
        },
      },
    },
    async (request, reply) => {
      // An unknown event is a 404 here rather than a page that can only say so.
      await events.get(request.params.eventId)
      return reply
        .headers({ ...UI_HEADERS, 'cache-control': 'no-cache' })
        .type('text/html; charset=utf-8')
        .send(withPreloads(request.params.eventId))
    },
  )
}
