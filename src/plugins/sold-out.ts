import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { createRedis } from '../redis/client.js'
import { SoldOutCache } from '../redis/sold-out.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Sections known sold out, refused from memory (redis/sold-out.ts). */
    soldOut: SoldOutCache
  }
}

export interface SoldOutPluginOptions {
  config: Config
  /** A cache made by the caller (tests share one); otherwise the plugin makes one. */
  soldOut?: SoldOutCache
}

/**
 * The sold-out cache and its lifecycle: it listens from start-up, on its own subscriber connection
 * (it must hear every "units are back" the moment it is published), and closes that connection last.
 */
export const soldOutPlugin = fp<SoldOutPluginOptions>(
  async (app, { config, soldOut: given }) => {
    const soldOut = given ?? new SoldOutCache(createRedis(config, 'seatlock-soldout'), config.keyPrefix)
    app.decorate('soldOut', soldOut)
    app.addHook('onReady', () => soldOut.start())
    app.addHook('onClose', async () => soldOut.close())
  },
  { name: 'seatlock-sold-out' },
)
