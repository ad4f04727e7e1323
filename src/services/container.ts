import type { Config } from '../config.js'
import type { Ledger } from '../ledger/port.js'
import type { Auth } from '../lib/auth.js'
import type { Locks } from '../lib/locks.js'
import type { Metrics } from '../metrics.js'
import type { RedisClient } from '../redis/client.js'
import type { EventEviction } from '../redis/eviction.js'
import type { HoldStore } from '../redis/hold-store.js'
import type { ConfirmService } from './confirm.js'
import type { EventService } from './events.js'
import type { HoldService } from './holds.js'
import type { ReservationService } from './reservations.js'
import type { ChangeStreams } from './streams.js'

/** Everything routes need, built once in app.ts. */
export interface Services {
  config: Config
  redis: RedisClient
  ledger: Ledger
  auth: Auth
  locks: Locks
  store: HoldStore
  /** Removes the Redis state of past events (the retention job). */
  eviction: EventEviction
  events: EventService
  holds: HoldService
  confirm: ConfirmService
  reservations: ReservationService
  /** This app's Prometheus registry and instruments (GET /metrics). */
  metrics: Metrics
  /** The change streams of GET /v1/events/:eventId/stream (set by buildApp). */
  streams?: ChangeStreams
}
