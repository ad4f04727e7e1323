import fp from 'fastify-plugin'

/**
 * The change streams' lifecycle (services/streams.ts): the subscriber connects when the app is ready; on
 * close the streams end (preClose, once the drain has begun, so server.close() never waits on them) and
 * then the subscriber closes.
 */
export const changeStreamsPlugin = fp(
  async (app) => {
    const { streams, redis } = app.services
    app.addHook('onReady', () => streams.start())
    // The watched marks live in Redis, which may have come back empty: renew them first thing on reconnection.
    const renewMarks = () => void streams.renewMarks()
    redis.on('ready', renewMarks)
    app.addHook('onClose', async () => void redis.off('ready', renewMarks))
    app.addHook('preClose', () => streams.endAll())
    app.addHook('onClose', () => streams.close())
  },
  { name: 'seatlock-change-streams', dependencies: ['seatlock-services', 'seatlock-drain'] },
)
