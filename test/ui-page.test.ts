/**
 * The seat map page over HTTP: served with its assets by the service itself, every reference local (no
 * CDN, no other origin: the Content-Security-Policy says so to the browser too), and bad input answered
 * in the contract's error shape.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { UI_DIR } from '../src/paths.js'
import { UI_CONTENT_SECURITY_POLICY } from '../src/routes/ui.js'
import { createEvent, eachLedger, startApp } from './helpers/app.js'

/** Every URL a page or module names: src/href attributes, imports, CSS url(). */
function references(text: string): string[] {
  const found: string[] = []
  for (const pattern of [
    /(?:src|href)="([^"]+)"/g,
    /\bfrom\s+'([^']+)'/g,
    /\bimport\s*\(\s*'([^']+)'/g,
    /url\(([^)]+)\)/g,
  ]) {
    for (const match of text.matchAll(pattern)) found.push(match[1] as string)
  }
  return found
}

await eachLedger(t, 'the seat map page', async (t, ledger) => {
  const api = await startApp(t, ledger, {}, undefined, { jobs: false })
  const eventId = await createEvent(api, { seated: { stalls: ['A1', 'A2'] } })

  await t.test('the page: HTML, a strict policy, the preloads of its event', async (t) => {
    const res = await fetch(`${api.url}/ui/events/${eventId}`)
    t.equal(res.status, 200)
    t.match(res.headers.get('content-type'), /^text\/html; charset=utf-8/)
    t.equal(res.headers.get('content-security-policy'), UI_CONTENT_SECURITY_POLICY)
    t.match(UI_CONTENT_SECURITY_POLICY, /default-src 'self'/, 'only this origin')
    t.match(UI_CONTENT_SECURITY_POLICY, /connect-src 'self'/, 'API and stream from this origin')
    t.equal(res.headers.get('x-content-type-options'), 'nosniff')
    t.equal(res.headers.get('referrer-policy'), 'no-referrer')
    const html = await res.text()
    t.match(
      html,
      `<link rel="preload" as="fetch" crossorigin="anonymous" href="../../v1/events/${eventId}/seat-map" />`,
    )
    t.notMatch(html, '<!-- data preloads -->', 'the placeholder is filled')
    t.notMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script')
  })

  await t.test('every asset the page names is served from here, and names nothing elsewhere', async (t) => {
    const pageUrl = `${api.url}/ui/events/${eventId}`
    const queue = references(await (await fetch(pageUrl)).text()).map((ref) => new URL(ref, pageUrl).href)
    const seen = new Set<string>()
    while (queue.length > 0) {
      const url = queue.shift() as string
      if (seen.has(url)) continue
      seen.add(url)
      t.equal(new URL(url).origin, api.url, `${url} is on this origin`)
      if (url.includes('/v1/')) continue // the data preloads
      const res = await fetch(url)
      t.equal(res.status, 200, `${new URL(url).pathname} is served`)
      const type = res.headers.get('content-type') ?? ''
      if (url.endsWith('.js')) t.match(type, /javascript/, `${new URL(url).pathname} is JavaScript`)
      if (url.endsWith('.css')) t.match(type, /text\/css/, `${new URL(url).pathname} is CSS`)
      t.equal(res.headers.get('content-security-policy'), UI_CONTENT_SECURITY_POLICY)
      for (const ref of references(await res.text())) queue.push(new URL(ref, url).href)
    }
    const modules = (await readdir(join(UI_DIR, 'assets', 'lib'))).filter((f) => f.endsWith('.js'))
    for (const file of modules)
      t.ok(seen.has(`${api.url}/ui/assets/lib/${file}`), `lib/${file} is reached from the page`)
    for (const file of [
      'index.html',
      'assets/app.js',
      'assets/seat-map.css',
      ...modules.map((f) => `assets/lib/${f}`),
    ]) {
      const text = await readFile(join(UI_DIR, file), 'utf8')
      t.notMatch(text, /\b(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}\//i, `${file} names no other host`)
    }
  })

  await t.test('bad input: 4xx in the contract shape', async (t) => {
    const unknown = await api.request('GET', '/ui/events/no-such-event')
    t.match(unknown, { status: 404, body: { code: 'EVENT_NOT_FOUND' } }, 'an unknown event')
    const invalid = await api.request('GET', '/ui/events/bad%20id')
    t.match(invalid, { status: 400, body: { code: 'INVALID_REQUEST' } }, 'an id outside the identifier rule')
    const missing = await api.request('GET', '/ui/assets/lib/nothing.js')
    t.match(missing, { status: 404, body: { code: 'NOT_FOUND' } }, 'a missing asset')
    for (const path of [
      '/ui/assets/..%2f..%2fpackage.json',
      '/ui/assets/%2e%2e/%2e%2e/package.json',
      '/ui/assets/../index.html',
    ]) {
      const res = await api.request('GET', path)
      t.ok(res.status >= 400 && res.status < 500, `${path}: ${res.status}, never a file outside the assets`)
      t.notMatch(JSON.stringify(res.body), '"dependencies"', 'not package.json')
    }
  })

  await t.test('the OpenAPI document lists the page, not each asset', async (t) => {
    const doc = await api.request('GET', '/docs/json')
    const page = doc.body.paths['/ui/events/{eventId}']?.get
    t.equal(page?.operationId, 'seatMapPage')
    t.ok(page?.responses['404'], 'with its error answers')
    t.notOk(
      Object.keys(doc.body.paths).some((p) => p.startsWith('/ui/assets')),
      'the static assets are not API operations',
    )
  })
})
