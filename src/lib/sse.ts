import type { IncomingMessage } from 'node:http'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'

/**
 * A small Server-Sent Events client (node:http), for the operator view (src/cli/watch.ts), the expiry
 * benchmark and the tests. Parses the text/event-stream format: `event:`, `data:` (several joined by
 * "\n"), `id:`, `retry:`, comments (lines starting with ":"); a blank line dispatches.
 */

export interface SseEvent {
  kind: 'event'
  /** "message" when the server named none. */
  event: string
  data: string
  id: string | undefined
}

export interface SseComment {
  kind: 'comment'
  text: string
}

export type SseItem = SseEvent | SseComment

/** Incremental parser: push text chunks in, get complete items out. */
export class SseParser {
  private buffer = ''
  private event = ''
  private data: string[] = []
  private id: string | undefined
  private sawCr = false

  push(chunk: string): SseItem[] {
    const items: SseItem[] = []
    let text = chunk
    // A "\r\n" split across chunks: the "\r" already ended the line.
    if (this.sawCr && text.startsWith('\n')) text = text.slice(1)
    this.sawCr = false
    this.buffer += text
    let start = 0
    for (let i = 0; i < this.buffer.length; i++) {
      const ch = this.buffer[i]
      if (ch !== '\n' && ch !== '\r') continue
      this.line(this.buffer.slice(start, i), items)
      if (ch === '\r') {
        if (i + 1 === this.buffer.length) this.sawCr = true
        else if (this.buffer[i + 1] === '\n') i++
      }
      start = i + 1
    }
    this.buffer = this.buffer.slice(start)
    return items
  }

  private line(line: string, items: SseItem[]): void {
    if (line === '') {
      if (this.data.length > 0) {
        items.push({ kind: 'event', event: this.event || 'message', data: this.data.join('\n'), id: this.id })
      }
      this.event = ''
      this.data = []
      return
    }
    if (line.startsWith(':')) {
      items.push({ kind: 'comment', text: line.slice(1).trimStart() })
      return
    }
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    let value = colon < 0 ? '' : line.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'event') this.event = value
    else if (field === 'data') this.data.push(value)
    else if (field === 'id' && !value.includes('\u0000')) this.id = value
  }
}

/** The stream could not be opened: a non-2xx answer (with its JSON error body when there is one). */
export class SseHttpError extends Error {
  override name = 'SseHttpError'
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(
      `HTTP ${status}${
        typeof body === 'object' && body !== null && 'message' in body ? `: ${String(body.message)}` : ''
      }`,
    )
  }
}

async function readText(res: IncomingMessage): Promise<string> {
  res.setEncoding('utf8')
  let text = ''
  for await (const chunk of res) text += chunk as string
  return text
}

/**
 * Opens `url` and yields every event and comment until the server ends the stream or `signal` aborts
 * (then it returns quietly). Rejects with SseHttpError when the answer is not 200 text/event-stream.
 * Uses node:http on a socket of its own (no pooling): the socket lives and dies with the stream.
 */
export async function* readEventStream(url: string, signal?: AbortSignal): AsyncGenerator<SseItem> {
  const target = new URL(url)
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest
  const req = send(target, { headers: { accept: 'text/event-stream' }, agent: false, signal })
  try {
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      req.once('response', resolve)
      req.once('error', reject)
      req.end()
    })
    if (res.statusCode !== 200 || !res.headers['content-type']?.startsWith('text/event-stream')) {
      const text = await readText(res).catch(() => '')
      let body: unknown = text
      try {
        body = JSON.parse(text)
      } catch {
        // not JSON
      }
      throw new SseHttpError(res.statusCode ?? 0, body)
    }
    res.setEncoding('utf8')
    const parser = new SseParser()
    for await (const chunk of res) yield* parser.push(chunk as string)
  } catch (error) {
    if (signal?.aborted) return
    throw error
  } finally {
    req.destroy()
  }
}
