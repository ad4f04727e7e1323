import { randomBytes } from 'node:crypto'
import { EventArchivedError, EventExistsError, PricesLockedError } from '../domain/errors.js'
import { eventStatus } from '../domain/event-lifecycle.js'
import { UnknownPriceTargetError } from '../domain/event-changes.js'
import type { EventChanges } from '../domain/event-changes.js'
import { sectionFacts } from '../domain/event.js'
import type { EventDefinition, SectionDefinition } from '../domain/event.js'
import { repeatedLabels } from '../domain/hold-rules.js'
import { loadEvent } from '../domain/loaded-event.js'
import { ALWAYS_ON_SALE, normalizeSales, salesState, SalesWindowError } from '../domain/sales-window.js'
import type { SalesWindow } from '../domain/sales-window.js'
import type { LoadedEvent } from '../domain/loaded-event.js'
import { holdsSeats } from '../domain/seat-block.js'
import { sectionSeatMap } from '../domain/seat-map.js'
import { expandRows, LayoutError } from '../domain/venue-layout.js'
import type { SeatRow } from '../domain/venue-layout.js'
import { apiError } from '../errors.js'
import { InvalidCursorError } from '../ledger/port.js'
import type { Ledger } from '../ledger/port.js'
import { LockBusyError } from '../lib/locks.js'
import type { HoldStore, SectionCounts } from '../redis/hold-store.js'
import type { SeatStatus } from '../redis/store-statistics.js'
import type {
  CreateEventBody,
  EventListQuery,
  EventListView,
  EventView,
  SeatMapView,
  SeatsView,
  UpdateEventBody,
} from '../schemas/events.js'

/** Runs `work` on one instance at a time for `name`; LockBusyError when it cannot get its turn (lib/locks.ts). */
export type Exclusive = <T>(name: string, work: (signal: AbortSignal) => Promise<T>) => Promise<T>

const CACHE_LIMIT = 1000
/**
 * How long a cached definition is served before its revision is compared with the ledger's (one small
 * query, in the background: the request is answered from the cache meanwhile). So another instance's
 * change of a name, start or price is served here within about this long; a sales window needs no
 * wait: createHold reads it from Redis.
 */
export const REVALIDATE_MS = 2000
/** Default of EVENT_RETENTION_S: how long an event's Redis state outlives its start. */
export const DEFAULT_RETENTION_MS = 24 * 3600 * 1000

/** What ensureLoaded found: the state is in Redis (rebuilt or there), or the event is archived (no state). */
export type LoadOutcome = 'loaded' | 'archived'

/** Whether the event is archived, as this instance knows it (the ledger is asked by ensureLoaded). */
export function isArchived(event: LoadedEvent): boolean {
  return event.definition.archivedAt !== undefined
}

/**
 * When the retention job may remove an event's Redis state: `retentionMs` after the later of its start and
 * this (re)build, so a past event read again is not rebuilt and evicted in a loop. Null: no start time,
 * kept.
 */
export function evictionTime(
  definition: EventDefinition,
  retentionMs: number,
  now = Date.now(),
): number | null {
  if (definition.startsAt === null) return null
  return Math.max(Date.parse(definition.startsAt), now) + retentionMs
}

/** The labels a section's rows give, or 400 INVALID_LAYOUT saying where the layout is wrong. */
function layoutLabels(section: string, rows: SeatRow[], categories: ReadonlySet<string>): string[] {
  try {
    return expandRows(rows, categories).labels
  } catch (err) {
    if (!(err instanceof LayoutError)) throw err
    const details = {
      section,
      ...(err.row === undefined ? {} : { row: err.row }),
      ...(err.seat === undefined ? {} : { seat: err.seat }),
    }
    throw apiError('INVALID_LAYOUT', details, `Section ${section}: ${err.message}`)
  }
}

function hasKeys(record: Record<string, number> | undefined): record is Record<string, number> {
  return record !== undefined && Object.keys(record).length > 0
}

/** The window given, normalised, or 400 INVALID_REQUEST when it closes before it opens. */
function salesWindow(sales: SalesWindow): SalesWindow {
  try {
    return normalizeSales(sales)
  } catch (err) {
    if (!(err instanceof SalesWindowError)) throw err
    throw apiError('INVALID_REQUEST', { salesOpenAt: sales.openAt, salesCloseAt: sales.closeAt }, err.message)
  }
}

function generatedId(): string {
  return randomBytes(9).toString('base64url').replace(/^[-_]/, 'e')
}

/** A catch handler: 409 EVENT_ARCHIVED for the ledger's refusal of a change to an archived event. */
function refuseArchived(eventId: string): (err: unknown) => never {
  return (err) => {
    if (err instanceof EventArchivedError) throw apiError('EVENT_ARCHIVED', { eventId })
    throw err
  }
}

function salesView(sales: SalesWindow): Pick<EventView, 'salesOpenAt' | 'salesCloseAt' | 'salesClosed'> {
  return { salesOpenAt: sales.openAt, salesCloseAt: sales.closeAt, salesClosed: sales.closed }
}

export class EventService {
  private readonly cache = new Map<string, LoadedEvent>()
  private readonly loading = new Map<string, Promise<LoadOutcome>>()
  private readonly fetching = new Map<string, Promise<LoadedEvent>>()
  /** When each cached definition was fetched or last found current. */
  private readonly checkedAt = new Map<string, number>()
  private readonly checking = new Set<string>()

  constructor(
    private readonly ledger: Ledger,
    private readonly store: HoldStore,
    private readonly exclusive: Exclusive,
    private readonly retentionMs = DEFAULT_RETENTION_MS,
    private readonly revalidateMs = REVALIDATE_MS,
  ) {}

  async create(body: CreateEventBody): Promise<EventView> {
    const sectionIds = new Set<string>()
    const categories = new Set(Object.keys(body.categories ?? {}))
    const sections: SectionDefinition[] = body.sections.map((input) => {
      const id = input.id ?? generatedId()
      if (sectionIds.has(id))
        throw apiError('INVALID_REQUEST', { section: id }, `Section id "${id}" is repeated`)
      sectionIds.add(id)
      if ('rows' in input) {
        const seats = layoutLabels(id, input.rows, categories)
        const { name, price, rows } = input
        return { id, name, kind: 'seated', price, capacity: seats.length, seats, rows }
      }
      if ('seats' in input) {
        const repeated = repeatedLabels(input.seats)
        if (repeated.length > 0) throw apiError('DUPLICATE_SEATS', { section: id, seats: repeated })
        return {
          id,
          name: input.name,
          kind: 'seated',
          price: input.price,
          capacity: input.seats.length,
          seats: input.seats,
        }
      }
      return { id, name: input.name, kind: 'ga', price: input.price, capacity: input.capacity }
    })
    const sales = salesWindow({
      openAt: body.salesOpenAt ?? null,
      closeAt: body.salesCloseAt ?? null,
      closed: false,
    })
    const definition: EventDefinition = {
      id: body.id ?? generatedId(),
      name: body.name,
      startsAt: body.startsAt ? new Date(body.startsAt).toISOString() : null,
      currency: body.currency ?? 'USD',
      ...(hasKeys(body.categories) ? { categories: body.categories } : {}),
      sections,
      createdAt: new Date().toISOString(),
      sales,
      ...(body.loneSeats === undefined ? {} : { loneSeats: body.loneSeats }),
    }
    try {
      await this.ledger.createEvent(definition)
    } catch (error) {
      if (error instanceof EventExistsError) throw apiError('EVENT_EXISTS', { eventId: definition.id })
      throw error
    }
    // The ledger is written first: if Redis fails here, the first read rebuilds the state from the ledger.
    await this.store.load(
      definition.id,
      [...loadEvent(definition).sections.values()],
      new Map(),
      sales,
      evictionTime(definition, this.retentionMs),
    )
    const event = this.remember(definition)
    return this.view(event, new Map())
  }

  /** The event's definition (cached), or 404 EVENT_NOT_FOUND. */
  async get(eventId: string): Promise<LoadedEvent> {
    const cached = this.cache.get(eventId)
    if (cached) {
      this.revalidate(cached)
      return cached
    }
    // A rush on a cold event asks the ledger once, not once per request.
    let pending = this.fetching.get(eventId)
    if (!pending) {
      pending = this.ledger
        .getEvent(eventId)
        .then((definition) => {
          if (!definition) throw apiError('EVENT_NOT_FOUND', { eventId })
          return this.remember(definition)
        })
        .finally(() => this.fetching.delete(eventId))
      this.fetching.set(eventId, pending)
    }
    return pending
  }

  private remember(definition: EventDefinition): LoadedEvent {
    const event = loadEvent(definition)
    if (this.cache.size >= CACHE_LIMIT) {
      const oldest = this.cache.keys().next().value as string
      this.cache.delete(oldest)
      this.checkedAt.delete(oldest)
    }
    this.cache.set(definition.id, event)
    this.checkedAt.set(definition.id, Date.now())
    return event
  }

  /** Drops a cached definition the ledger has changed since (see REVALIDATE_MS); never fails a request. */
  private revalidate(event: LoadedEvent): void {
    const { id } = event.definition
    if (Date.now() - (this.checkedAt.get(id) ?? 0) < this.revalidateMs || this.checking.has(id)) return
    this.checking.add(id)
    this.ledger
      .getRevision(id)
      .then((revision) => {
        if (this.cache.get(id) !== event) return
        if (revision === (event.definition.revision ?? 0)) this.checkedAt.set(id, Date.now())
        else this.cache.delete(id)
      })
      // The ledger is down: keep serving what is cached, and ask again next time.
      .catch(() => undefined)
      .finally(() => this.checking.delete(id))
  }

  /**
   * Held and sold units per section: from Redis, rebuilding the state first when it is gone; an archived
   * event has no state, so its sold units come from the ledger (nothing is held).
   */
  async counts(event: LoadedEvent): Promise<Map<string, SectionCounts>> {
    if (isArchived(event)) return this.ledgerCounts(event)
    const counts = await this.store.counts(event.definition.id)
    if (counts) return counts
    if ((await this.ensureLoaded(event)) === 'archived') return this.ledgerCounts(event)
    const loaded = await this.store.counts(event.definition.id)
    if (!loaded) throw apiError('EVENT_LOADING')
    return loaded
  }

  private async ledgerCounts(event: LoadedEvent): Promise<Map<string, SectionCounts>> {
    const { sections } = await this.ledger.soldCounts(event.definition.id)
    return new Map(sections.map((s) => [s.id, { held: 0, sold: s.sold, blocked: 0 }]))
  }

  /** Each seat's status in label order, per seated section asked for: from Redis, or the ledger once archived. */
  private async seatStatuses(
    event: LoadedEvent,
    sections: SectionDefinition[],
  ): Promise<Map<string, SeatStatus[]>> {
    await this.counts(event) // makes sure the state is loaded, or finds the event archived
    const eventId = event.definition.id
    if (isArchived(event)) {
      const sold = await this.ledger.soldState(eventId)
      return new Map(
        sections.map((section) => {
          const seats = new Set(sold.sections.find((s) => s.id === section.id)?.soldSeats ?? [])
          const labels = section.seats ?? []
          return [section.id, labels.map((seat): SeatStatus => (seats.has(seat) ? 'sold' : 'available'))]
        }),
      )
    }
    // Sections are read concurrently: their pages share round trips on the connection.
    const statuses = await Promise.all(
      sections.map(async (section) => this.store.seatStatuses(eventId, section.id, section.seats ?? [])),
    )
    return new Map(sections.map((section, i) => [section.id, statuses[i] ?? []]))
  }

  /**
   * Whether the event is archived, asking the ledger unless this instance knows it already: for what must
   * not touch an archived event's Redis state (a cancel), on an instance that has not met the archive yet.
   */
  async archived(event: LoadedEvent): Promise<boolean> {
    if (isArchived(event)) return true
    // State in Redis means not archived (an archive removes it for good and nothing rebuilds it): the
    // ledger is asked only for an event without state, so a cancel in a rush costs no extra ledger call.
    if (await this.store.counts(event.definition.id)) return false
    const state = await this.ledger.getState(event.definition.id)
    if (state === null) {
      this.forget(event.definition.id)
      throw apiError('EVENT_NOT_FOUND', { eventId: event.definition.id })
    }
    if (state.archivedAt === null) return false
    await this.markArchived(event, state.archivedAt)
    return true
  }

  /**
   * Records on this instance that the event is archived (the cached definition everyone here shares), and
   * takes it out of the jobs' index, which a request that met no state may have put it back in.
   */
  async markArchived(event: LoadedEvent, archivedAt: string): Promise<void> {
    event.definition = { ...event.definition, archivedAt }
    await this.store.active.remove(event.definition.id)
  }

  /** Drops a cached definition (the event was deleted). */
  forget(eventId: string): void {
    this.cache.delete(eventId)
    this.checkedAt.delete(eventId)
  }

  async view(event: LoadedEvent, counts?: Map<string, SectionCounts>): Promise<EventView> {
    const live = counts ?? (await this.counts(event))
    const { definition } = event
    return {
      id: definition.id,
      name: definition.name,
      startsAt: definition.startsAt,
      currency: definition.currency,
      ...(definition.categories === undefined ? {} : { categories: definition.categories }),
      ...salesView(definition.sales ?? ALWAYS_ON_SALE),
      status: eventStatus(definition.archivedAt),
      archivedAt: definition.archivedAt ?? null,
      ...(definition.loneSeats === undefined ? {} : { loneSeats: definition.loneSeats }),
      sections: definition.sections.map((s) => {
        const c = live.get(s.id) ?? { held: 0, sold: 0, blocked: 0 }
        return {
          ...sectionFacts(s),
          available: Math.max(0, s.capacity - c.held - c.sold - c.blocked),
          held: c.held,
          sold: c.sold,
          blocked: c.blocked,
          ...(s.rows === undefined ? {} : { rows: s.rows }),
        }
      }),
    }
  }

  async seats(event: LoadedEvent, sectionId: string | undefined): Promise<SeatsView> {
    const seated = this.seatedSections(event, sectionId)
    const statuses = await this.seatStatuses(event, seated)
    return {
      sections: seated.map((section) => {
        const status = statuses.get(section.id) ?? []
        return {
          id: section.id,
          seats: (section.seats ?? []).map((seat, i) => ({ seat, status: status[i] ?? 'available' })),
        }
      }),
    }
  }

  /** Every seated section's seats as one character each (or the one section asked for); see domain/seat-map.ts. */
  async seatMap(event: LoadedEvent, sectionId: string | undefined): Promise<SeatMapView> {
    const seated = this.seatedSections(event, sectionId)
    const statuses = await this.seatStatuses(event, seated)
    return {
      sections: seated.map((section) =>
        sectionSeatMap(section.id, statuses.get(section.id) ?? [], event.sections.get(section.id)?.layout),
      ),
    }
  }

  private seatedSections(event: LoadedEvent, sectionId: string | undefined): SectionDefinition[] {
    if (sectionId !== undefined && !event.sections.has(sectionId)) {
      throw apiError('UNKNOWN_SECTION', { section: sectionId })
    }
    return event.definition.sections.filter((s) => s.seats && (sectionId === undefined || s.id === sectionId))
  }

  /**
   * Rebuilds an event's Redis state from the ledger (sold seats and counts, blocks) when Redis has lost it.
   * One loader per event at a time across instances; concurrent callers here share one attempt.
   * The ledger's lifecycle is the fence: an archived event is never rebuilt ('archived', nothing written),
   * a deleted one is 404 EVENT_NOT_FOUND. Archive and delete hold the same lock, so no rebuild interleaves.
   */
  async ensureLoaded(event: LoadedEvent): Promise<LoadOutcome> {
    const eventId = event.definition.id
    let pending = this.loading.get(eventId)
    if (!pending) {
      pending = this.exclusive(`load:${eventId}`, async (): Promise<LoadOutcome> => {
        if (await this.store.counts(eventId)) return 'loaded'
        const state = await this.ledger.soldState(eventId)
        const sold = new Map(
          state.sections.map((s) => [s.id, { sold: s.sold, seats: s.soldSeats, owners: s.soldBy }]),
        )
        // From the ledger, not this instance's cached definition: an admin may have changed it since.
        const lifecycle = await this.ledger.getState(eventId)
        if (lifecycle === null) {
          this.forget(eventId)
          throw apiError('EVENT_NOT_FOUND', { eventId })
        }
        if (lifecycle.archivedAt !== null) {
          await this.markArchived(event, lifecycle.archivedAt)
          return 'archived'
        }
        const sales = lifecycle.sales
        // Blocks holding seats now: allocations whose release time has come stay out (at Redis time, the
        // release job's clock), even before the job records their release.
        const now = await this.store.now()
        const blocks = (await this.ledger.listBlocks(eventId)).filter((b) => holdsSeats(b, now))
        await this.store.load(
          eventId,
          [...event.sections.values()],
          sold,
          sales,
          evictionTime(event.definition, this.retentionMs),
          blocks,
        )
        return 'loaded'
      })
        .catch((error: unknown) => {
          // Another instance is still rebuilding it: the client retries shortly.
          throw error instanceof LockBusyError ? apiError('EVENT_LOADING') : error
        })
        .finally(() => this.loading.delete(eventId))
      this.loading.set(eventId, pending)
    }
    return pending
  }

  /**
   * Closes (or reopens) the event's sales at once: the ledger keeps it, then the event's Redis meta, which
   * every instance's next hold reads. The window's times stay as they were.
   */
  async setSalesClosed(eventId: string, closed: boolean): Promise<EventView> {
    const sales = await this.ledger.setSalesClosed(eventId, closed).catch(refuseArchived(eventId))
    if (sales === null) throw apiError('EVENT_NOT_FOUND', { eventId })
    await this.store.recordSales(eventId, sales)
    this.cache.delete(eventId)
    return this.view(await this.get(eventId))
  }

  /**
   * An admin's change of what can change safely (see domain/event-changes.ts). The ledger decides first;
   * a changed window then goes to the Redis meta (every instance's next hold), and other instances learn
   * of the rest within REVALIDATE_MS (see get()).
   */
  async update(eventId: string, body: UpdateEventBody): Promise<EventView> {
    const changes: EventChanges = {
      ...(body.name === undefined ? {} : { name: body.name }),
      ...(body.startsAt === undefined ? {} : { startsAt: body.startsAt }),
      ...(body.salesOpenAt === undefined && body.salesCloseAt === undefined
        ? {}
        : {
            sales: {
              ...(body.salesOpenAt === undefined ? {} : { openAt: body.salesOpenAt }),
              ...(body.salesCloseAt === undefined ? {} : { closeAt: body.salesCloseAt }),
            },
          }),
      ...(body.prices?.sections === undefined ? {} : { sectionPrices: body.prices.sections }),
      ...(body.prices?.categories === undefined ? {} : { categoryPrices: body.prices.categories }),
    }
    let updated: EventDefinition | null
    try {
      updated = await this.ledger.updateEvent(eventId, changes)
    } catch (err) {
      if (err instanceof PricesLockedError) throw apiError('PRICES_LOCKED', { eventId })
      if (err instanceof EventArchivedError) throw apiError('EVENT_ARCHIVED', { eventId })
      if (err instanceof UnknownPriceTargetError) {
        if (err.kind === 'section') throw apiError('UNKNOWN_SECTION', { section: err.id })
        throw apiError('INVALID_REQUEST', { category: err.id }, `The event has no price category ${err.id}`)
      }
      if (err instanceof SalesWindowError)
        throw apiError(
          'INVALID_REQUEST',
          { salesOpenAt: body.salesOpenAt, salesCloseAt: body.salesCloseAt },
          err.message,
        )
      throw err
    }
    if (updated === null) throw apiError('EVENT_NOT_FOUND', { eventId })
    if (changes.sales !== undefined) await this.store.recordSales(eventId, updated.sales ?? ALWAYS_ON_SALE)
    return this.view(this.remember(updated))
  }

  /** A page of events in a stable order, their sale judged at Redis time (the clock holds are refused by). */
  async list(query: EventListQuery): Promise<EventListView> {
    const now = await this.store.now()
    try {
      const page = await this.ledger.listEvents({
        ...(query.status === undefined ? {} : { status: query.status }),
        ...(query.startsFrom === undefined ? {} : { startsFrom: query.startsFrom }),
        ...(query.startsBefore === undefined ? {} : { startsBefore: query.startsBefore }),
        limit: Number(query.limit ?? 20),
        cursor: query.cursor ?? null,
        now,
      })
      return {
        items: page.items.map((e) => ({
          id: e.id,
          name: e.name,
          startsAt: e.startsAt,
          currency: e.currency,
          ...salesView(e.sales),
          salesState: e.archivedAt === null ? salesState(e.sales, now) : 'archived',
          status: eventStatus(e.archivedAt),
          archivedAt: e.archivedAt,
          createdAt: e.createdAt,
        })),
        nextCursor: page.nextCursor,
      }
    } catch (error) {
      if (error instanceof InvalidCursorError) throw apiError('INVALID_CURSOR')
      throw error
    }
  }

  async countEvents(): Promise<number> {
    return this.ledger.countEvents()
  }
}
