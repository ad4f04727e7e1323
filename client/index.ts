/**
 * A typed seatlock client: openapi-fetch over the types generated from the service's OpenAPI document.
 *
 *   const api = seatlockClient('http://127.0.0.1:3000')
 *   const { data, error } = await api.POST('/v1/events/{eventId}/holds', {
 *     params: { path: { eventId: 'demo' } },
 *     body: { holder: 'user-123', items: [{ section: 'stalls', seats: ['A1'] }] },
 *   })
 *
 * `error.code` is typed as the codes the route can answer with.
 */
import createClient from 'openapi-fetch'
import type { paths } from './schema.js'

export type { components, paths } from './schema.js'

export function seatlockClient(baseUrl: string, headers: Record<string, string> = {}) {
  return createClient<paths>({ baseUrl, headers })
}
