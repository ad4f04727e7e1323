/**
 * Shared plumbing of the baseline servers: the same routes and bodies as seatlock's hold API (so one load
 * generator drives every server), a health route, seatlock's tokens, and a graceful stop on SIGTERM.
 */
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'

export interface HoldBody {
  holder: string
  ttlSeconds?: number
  items: { section: string; seats: string[] }[]
}

export interface SeatRef {
  section: string
  seat: string
}

/** A general-admission item: units of a section without seat labels (only the reference takes them). */
export interface GaItem {
  section: string
  quantity: number
}

/** The reference's hold body: seated items as HoldBody, or general-admission items. */
export interface RefHoldBody {
  holder: string
  ttlSeconds?: number
  items: (HoldBody['items'][number] | GaItem)[]
}

export function isGaItem(item: RefHoldBody['items'][number]): item is GaItem {
  return 'quantity' in item
}

const seatedItemSchema = {
  type: 'object',
  required: ['section', 'seats'],
  additionalProperties: false,
  properties: {
    section: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' },
    seats: {
      type: 'array',
      minItems: 1,
      maxItems: 10,
      items: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' },
    },
  },
} as const

const gaItemSchema = {
  type: 'object',
  required: ['section', 'quantity'],
  additionalProperties: false,
  properties: {
    section: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' },
    quantity: { type: 'integer', minimum: 1, maximum: 10 },
  },
} as const

/** The JSON schema a Fastify user would put on the hold route (seated items only). */
export const holdBodySchema = {
  type: 'object',
  required: ['holder', 'items'],
  additionalProperties: false,
  properties: {
    holder: { type: 'string', minLength: 1, maxLength: 128 },
    ttlSeconds: { type: 'integer', minimum: 1, maximum: 3600 },
    items: { type: 'array', minItems: 1, maxItems: 10, items: seatedItemSchema },
  },
} as const

/** The reference's: an item is seated or general admission (the seated branch first, so seated bodies match it at once). */
export const refHoldBodySchema = {
  ...holdBodySchema,
  properties: {
    ...holdBodySchema.properties,
    items: { ...holdBodySchema.properties.items, items: { anyOf: [seatedItemSchema, gaItemSchema] } },
  },
} as const

export const eventParamsSchema = {
  type: 'object',
  properties: { eventId: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' } },
} as const

export interface HoldParams {
  eventId: string
  holdId: string
}

export const DEFAULT_TTL_S = 600

export function env(name: string, fallback?: string): string {
  const value = process.env[name] ?? fallback
  if (value === undefined) throw new Error(`${name} is required`)
  return value
}

export function seatsOf(body: HoldBody): SeatRef[] {
  return body.items.flatMap((item) => item.seats.map((seat) => ({ section: item.section, seat })))
}

// seatlock's own id, token and token-hash functions, so secrets cost every server the same.
export { hashToken, newHoldId, newToken } from '../../src/lib/tokens.js'

export function tokenOf(headers: Record<string, string | string[] | undefined>): string {
  const value = headers['hold-token']
  return typeof value === 'string' ? value : ''
}

export function conflict(message: string) {
  return { statusCode: 409, code: 'SEAT_UNAVAILABLE', error: 'Conflict', message }
}

export function createBaseApp(): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 })
  app.get('/health', async () => ({ status: 'ok' }))
  return app
}

/** Listens on PORT and closes everything on SIGTERM/SIGINT. */
export async function serve(app: FastifyInstance, close: () => Promise<void>): Promise<void> {
  const stop = async () => {
    await app.close()
    await close()
    process.exit(0)
  }
  process.once('SIGTERM', () => void stop())
  process.once('SIGINT', () => void stop())
  // The same listen backlog as seatlock (src/server.ts): with the default 511, a 1,000-connection burst
  // left half the clients in 1 s SYN retries that a request's latency never shows, so the baselines'
  // latency percentiles counted only the clients they let in.
  await app.listen({ port: Number(env('PORT')), host: '127.0.0.1', backlog: 4096 })
}
