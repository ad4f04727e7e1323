/**
 * The page's calls to the API, relative to where the page is served (`<base>/ui/events/:id`), so the page
 * works behind a proxy that mounts the service under a path. Answers never throw: a network failure is an
 * answer too, with a code of its own, so every caller shows something.
 */

/** The service's root, from the page's own URL. */
export const API_BASE = new URL('../../', location.href)

/**
 * @param {string} method
 * @param {string} path relative to the service's root, e.g. `v1/events/demo`
 * @param {{ body?: unknown, token?: string, admin?: string }} [options]
 * @returns {Promise<{ ok: boolean, status: number, body: any }>}
 */
export async function call(method, path, { body, token, admin } = {}) {
  /** @type {Record<string, string>} */
  const headers = {}
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (token) headers['hold-token'] = token
  if (admin) headers.authorization = `Bearer ${admin}`
  let response
  try {
    response = await fetch(new URL(path, API_BASE), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch {
    return {
      ok: false,
      status: 0,
      body: { code: 'NETWORK_ERROR', message: 'The service could not be reached' },
    }
  }
  const text = await response.text()
  let parsed = text
  try {
    parsed = text ? JSON.parse(text) : null
  } catch {
    // Not JSON (/metrics is text): handed over as it is.
  }
  return { ok: response.ok, status: response.status, body: parsed }
}

/** A path segment: ids are restricted by the API, but the page never builds a URL from unescaped input. */
export function segment(value) {
  return encodeURIComponent(value)
}
