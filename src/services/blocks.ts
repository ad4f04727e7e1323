import { randomBytes } from 'node:crypto'
import type { LoadedEvent } from '../domain/loaded-event.js'
import { seatingOf } from '../domain/loaded-event.js'
import { BlockConflictError, blockSeatsProblem } from '../domain/seat-block.js'
import type { BlockSeatsProblem, BlockedSeat, SeatBlock, UnblockableStatus } from '../domain/seat-block.js'
import { apiError } from '../errors.js'
import type { ApiError } from '../errors.js'
import type { Ledger } from '../ledger/port.js'
import type { HoldStore } from '../redis/hold-store.js'
import type { BlockListView, BlockView, CreateBlockBody } from '../schemas/blocks.js'
import type { EventService } from './events.js'

/** Allocations released per pass of the release job at most (the rest wait for the next pass). */
export const RELEASE_BATCH = 50

function blockView(block: SeatBlock): BlockView {
  return {
    id: block.id,
    eventId: block.eventId,
    reason: block.reason,
    allocation: block.allocation,
    releaseAt: block.releaseAt,
    seats: block.seats,
    createdAt: block.createdAt,
    status: block.ended ?? 'active',
    endedAt: block.endedAt,
  }
}

function seatsRefusal(problem: BlockSeatsProblem): ApiError {
  switch (problem.kind) {
    case 'unknown-section':
      return apiError('UNKNOWN_SECTION', { section: problem.section })
    case 'not-seated':
      return apiError('SECTION_NOT_SEATED', { section: problem.section })
    case 'duplicate-seats':
      return apiError('DUPLICATE_SEATS', { section: problem.section, seats: problem.seats })
    case 'unknown-seats':
      return apiError('UNKNOWN_SEAT', { section: problem.section, seats: problem.seats })
  }
}

function notBlockable(seats: (BlockedSeat & { status: UnblockableStatus })[]): ApiError {
  return apiError('SEATS_NOT_BLOCKABLE', { seats })
}

/**
 * Seats held back by an admin. The ledger is the source of truth (a rebuild of the event's Redis state
 * restores blocks from it); Redis's seat keys make every hold script refuse a blocked seat.
 *
 * Order of writes. Block: the ledger first (it refuses sold seats and seats in another block), then one
 * script that refuses held seats too (and then the ledger's block is discarded: all or nothing). If Redis
 * fails after the ledger wrote, the block stays recorded (listed, and restored by any rebuild) and the
 * answer is 503: a script whose reply was lost may have run, so discarding it could leave seats blocked
 * in Redis that no block names. Unblock: the ledger first too, then the script. A failure in between
 * leaves the seats blocked in Redis, never on sale while the ledger still blocks them (a rebuild would
 * block them again, over a sale made meanwhile); a repeated DELETE runs the script again.
 */
export class BlockService {
  constructor(
    private readonly ledger: Ledger,
    private readonly store: HoldStore,
    private readonly events: EventService,
  ) {}

  async create(eventId: string, body: CreateBlockBody): Promise<BlockView> {
    const event = await this.events.get(eventId)
    const problem = blockSeatsProblem(event.sections, body.seats)
    if (problem !== null) throw seatsRefusal(problem)
    await this.events.counts(event) // the event's Redis state is loaded (rebuilt from the ledger if not)
    let releaseAt: string | null = null
    if (body.releaseAt !== undefined) {
      if (body.allocation === undefined)
        throw apiError(
          'INVALID_RELEASE_AT',
          { releaseAt: body.releaseAt },
          'Only an allocation has a releaseAt',
        )
      const at = Date.parse(body.releaseAt)
      if (at <= (await this.store.now()))
        throw apiError('INVALID_RELEASE_AT', { releaseAt: body.releaseAt }, 'releaseAt must be in the future')
      releaseAt = new Date(at).toISOString()
    }
    const block: SeatBlock = {
      id: randomBytes(12).toString('base64url'),
      eventId,
      reason: body.reason,
      allocation: body.allocation ?? null,
      releaseAt,
      seats: body.seats.map(({ section, seat }) => ({ section, seat })),
      createdAt: new Date().toISOString(),
      ended: null,
      endedAt: null,
    }
    try {
      await this.ledger.createBlock(block)
    } catch (error) {
      if (error instanceof BlockConflictError) throw notBlockable(error.seats)
      throw error
    }
    const releaseMs = releaseAt === null ? null : Date.parse(releaseAt)
    let reply = await this.store.block(eventId, block.id, block.seats, releaseMs, seatingOf(event))
    if (reply.kind === 'notReady') {
      // Redis lost the event since the check above: the rebuild reads this block from the ledger.
      await this.events.ensureLoaded(event)
      reply = await this.store.block(eventId, block.id, block.seats, releaseMs, seatingOf(event))
    }
    if (reply.kind === 'blocked') return blockView(block)
    await this.ledger.discardBlock(eventId, block.id)
    if (reply.kind === 'refused') throw notBlockable(reply.seats)
    throw apiError('EVENT_LOADING')
  }

  async get(eventId: string, blockId: string): Promise<BlockView> {
    await this.events.get(eventId)
    const block = await this.ledger.getBlock(eventId, blockId)
    if (block === null) throw apiError('BLOCK_NOT_FOUND', { eventId, blockId })
    return blockView(block)
  }

  async list(eventId: string): Promise<BlockListView> {
    await this.events.get(eventId)
    return { items: (await this.ledger.listBlocks(eventId)).map(blockView) }
  }

  /** Unblocks every seat of the block at once. Safe to repeat: an ended block is answered the same. */
  async remove(eventId: string, blockId: string): Promise<void> {
    const event = await this.events.get(eventId)
    const block = await this.ledger.endBlock(eventId, blockId, 'unblocked')
    if (block === null) throw apiError('BLOCK_NOT_FOUND', { eventId, blockId })
    await this.free(event, block, 'unblock')
  }

  /** Runs freeBlock; when the event is not loaded, loads it first (the load reads the ledger's end). */
  private async free(event: LoadedEvent, block: SeatBlock, how: 'unblock' | 'release'): Promise<boolean> {
    const eventId = event.definition.id
    let reply = await this.store.freeBlock(eventId, block.id, block.seats, how, seatingOf(event))
    if (reply.kind === 'notReady') {
      // A load in progress may have read the block before it ended: wait for it (the load lock), then free.
      await this.events.ensureLoaded(event)
      reply = await this.store.freeBlock(eventId, block.id, block.seats, how, seatingOf(event))
    }
    return reply.kind === 'freed'
  }

  /**
   * The release job's pass: allocations whose release time has come (ledger, at Redis time) go back on
   * sale. Each is released in Redis by the one freeBlock call that takes it from the event's release index
   * (that call publishes seats.released, once, however many instances run this), then recorded in the
   * ledger, so a rebuild does not block it again; a pass that finds it taken already only records it.
   * Returns the allocations this pass released. `onError`: one allocation failed (the next pass retries).
   */
  async releaseDue(onError: (block: SeatBlock, error: unknown) => void): Promise<number> {
    const due = await this.ledger.dueReleases(await this.store.now(), RELEASE_BATCH)
    let released = 0
    for (const block of due) {
      try {
        const event = await this.events.get(block.eventId)
        if (await this.free(event, block, 'release')) released++
        await this.ledger.endBlock(block.eventId, block.id, 'released')
      } catch (error) {
        onError(block, error)
      }
    }
    return released
  }
}
