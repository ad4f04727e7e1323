import fp from 'fastify-plugin'
import { createServices } from '../services/container.js'
import type { ServiceDependencies, Services } from '../services/container.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The services, built once in dependency order; route plugins are each given the few they use. */
    services: Services
  }
}

export type ServicesPluginOptions = Omit<ServiceDependencies, 'log' | 'soldOut'>

/**
 * Builds the services (on the sold-out cache of plugins/sold-out.ts, logging through the app) and ends
 * what they own when the app closes. The change streams and the jobs have plugins of their own.
 */
export const servicesPlugin = fp<ServicesPluginOptions>(
  async (app, options) => {
    const services = createServices({ ...options, soldOut: app.soldOut, log: app.log })
    app.decorate('services', services)
    app.addHook('onClose', async () => services.holds.abandoned.close())
    // The index of events with due work lives in Redis, which may have come back empty: each event's next
    // create registers it again.
    const forgetActive = () => services.store.active.reset()
    options.redis.on('ready', forgetActive)
    app.addHook('onClose', async () => void options.redis.off('ready', forgetActive))
  },
  { name: 'seatlock-services', dependencies: ['seatlock-sold-out'] },
)
