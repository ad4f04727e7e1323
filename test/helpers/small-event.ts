import { loadEvent } from '../../src/domain/loaded-event.js'
import type { LoadedEvent } from '../../src/domain/loaded-event.js'

/** A small event for tests: seated section s (S1-S3, 500 each) and GA section g (10 units, 200 each). */
export function smallEvent(): LoadedEvent {
  return loadEvent({
    id: 'e',
    name: 'E',
    startsAt: null,
    currency: 'USD',
    createdAt: '2030-01-01T00:00:00.000Z',
    sections: [
      { id: 's', name: 'S', kind: 'seated', price: 500, capacity: 3, seats: ['S1', 'S2', 'S3'] },
      { id: 'g', name: 'G', kind: 'ga', price: 200, capacity: 10 },
    ],
  })
}
