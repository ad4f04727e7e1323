import fp from 'fastify-plugin'

/** How often idle keep-alive connections are closed while the server drains. */
const SWEEP_IDLE_MS = 100

/**
 * Graceful close, the HTTP side (src/server.ts calls app.close() on SIGTERM/SIGINT):
 * - `server.close()` stops accepting connections and waits for every open one to end;
 * - requests in flight finish (confirms included) and their answers carry `Connection: close`, so the
 *   client does not reuse the socket and the server need not wait for its keep-alive timeout;
 * - keep-alive connections that go idle while draining are closed at once (Node closes idle ones only
 *   when `close()` is called, not those that become idle afterwards);
 * - change streams are ended by their own plugin's preClose hook (plugins/change-streams.ts).
 */
export const drainPlugin = fp(
  async (app) => {
    let draining = false
    let sweeper: NodeJS.Timeout | undefined

    app.addHook('preClose', async () => {
      draining = true
      sweeper = setInterval(() => app.server.closeIdleConnections(), SWEEP_IDLE_MS)
      sweeper.unref()
    })

    // Callback style: it runs on every answer, and an async hook costs a promise each time.
    app.addHook('onSend', (_request, reply, payload, done) => {
      if (draining) reply.header('Connection', 'close')
      done(null, payload)
    })

    app.addHook('onClose', async () => {
      clearInterval(sweeper)
    })
  },
  { name: 'seatlock-drain' },
)
