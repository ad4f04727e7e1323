/**
 * Seat blocks in the MongoDB ledger, the source of truth for them: `blocks` keeps every block (ended ones
 * too, with how they ended), `blockedseats` one document per seat a block holds, whose unique index
 * refuses a seat in two blocks at once. A block's seat documents go when it ends. Writes of more than one
 * document run in one transaction; duplicate-key errors abort it and are mapped outside (never caught
 * inside the callback).
 */
import { BlockConflictError } from '../domain/seat-block.js'
import type { BlockEnd, BlockedSeat, SeatBlock } from '../domain/seat-block.js'
import { isDuplicateKey } from './mongo-errors.js'
import { sectionKey } from './mongo-models.js'
import type { BlockDoc } from './mongo-models.js'
import type { MongoStore } from './mongo-store.js'

function toBlock(doc: BlockDoc): SeatBlock {
  return {
    id: doc.blockId,
    eventId: doc.eventId,
    reason: doc.reason,
    allocation: doc.allocation ?? null,
    releaseAt: doc.releaseAt ? new Date(doc.releaseAt).toISOString() : null,
    seats: doc.seats.map((s) => ({ section: s.section, seat: s.seat })),
    createdAt: new Date(doc.createdAt).toISOString(),
    ended: doc.ended ?? null,
    endedAt: doc.endedAt ? new Date(doc.endedAt).toISOString() : null,
  }
}

const seatFilter = (eventId: string, seats: readonly BlockedSeat[]) => ({
  eventId,
  $or: seats.map((s) => ({ section: s.section, seat: s.seat })),
})

/** The seats of `seats` that some block holds now (outside any transaction: for a refusal's details). */
async function blockedAmong(
  store: MongoStore,
  eventId: string,
  seats: readonly BlockedSeat[],
): Promise<BlockedSeat[]> {
  const docs = await store.m.BlockedSeat.find(seatFilter(eventId, seats), { section: 1, seat: 1 })
    .lean<BlockedSeat[]>()
    .exec()
  return docs.map((d) => ({ section: d.section, seat: d.seat }))
}

/** In one transaction: refused (nothing written) when a seat is sold or in another block. */
export async function createBlock(store: MongoStore, block: SeatBlock): Promise<void> {
  const { Block, BlockedSeat: Seats, SoldSeat } = store.m
  const doc: BlockDoc = {
    _id: sectionKey(block.eventId, block.id),
    eventId: block.eventId,
    blockId: block.id,
    reason: block.reason,
    allocation: block.allocation,
    releaseAt: block.releaseAt === null ? null : new Date(block.releaseAt),
    seats: block.seats,
    createdAt: new Date(block.createdAt),
    ended: null,
    endedAt: null,
  }
  await store.run(async () => {
    try {
      await store.txn(async (session) => {
        const sold = await SoldSeat.find(seatFilter(block.eventId, block.seats), { section: 1, seat: 1 })
          .session(session)
          .lean<BlockedSeat[]>()
          .exec()
        if (sold.length > 0)
          throw new BlockConflictError(
            sold.map((s) => ({ section: s.section, seat: s.seat, status: 'sold' as const })),
          )
        await Block.create([doc], { session })
        await Seats.insertMany(
          block.seats.map((s) => ({
            eventId: block.eventId,
            section: s.section,
            seat: s.seat,
            blockId: block.id,
          })),
          { session, ordered: true, lean: true },
        )
      })
    } catch (err) {
      // A seat's unique index refused it: another block holds it.
      if (!isDuplicateKey(err)) throw err
      const taken = await blockedAmong(store, block.eventId, block.seats)
      throw new BlockConflictError(taken.map((s) => ({ ...s, status: 'blocked' as const })))
    }
  })
}

/** A block Redis refused: gone as if it never was (its seat documents too). */
export async function discardBlock(store: MongoStore, eventId: string, blockId: string): Promise<void> {
  await store.run(() =>
    store.txn(async (session) => {
      await store.m.BlockedSeat.deleteMany({ eventId, blockId }, { session })
      await store.m.Block.deleteOne({ _id: sectionKey(eventId, blockId), ended: null }, { session })
    }),
  )
}

export async function getBlock(
  store: MongoStore,
  eventId: string,
  blockId: string,
): Promise<SeatBlock | null> {
  return store.run(async () => {
    const doc = await store.m.Block.findById(sectionKey(eventId, blockId)).lean<BlockDoc>().exec()
    return doc === null ? null : toBlock(doc)
  })
}

export async function listBlocks(store: MongoStore, eventId: string): Promise<SeatBlock[]> {
  return store.run(async () => {
    const docs = await store.m.Block.find({ eventId, ended: null })
      .sort({ createdAt: 1, blockId: 1 })
      .lean<BlockDoc[]>()
      .exec()
    return docs.map(toBlock)
  })
}

/** Ends a block in one transaction; one that ended before keeps its first end. Null when unknown. */
export async function endBlock(
  store: MongoStore,
  eventId: string,
  blockId: string,
  how: BlockEnd,
): Promise<SeatBlock | null> {
  const { Block, BlockedSeat: Seats } = store.m
  return store.run(() =>
    store.txn(async (session) => {
      const ended = await Block.findOneAndUpdate(
        { _id: sectionKey(eventId, blockId), ended: null },
        { $set: { ended: how, endedAt: new Date() } },
        { session, returnDocument: 'after' },
      )
        .lean<BlockDoc>()
        .exec()
      if (ended !== null) {
        await Seats.deleteMany({ eventId, blockId }, { session })
        return toBlock(ended)
      }
      const doc = await Block.findById(sectionKey(eventId, blockId)).session(session).lean<BlockDoc>().exec()
      return doc === null ? null : toBlock(doc)
    }),
  )
}

/** Allocations not ended whose release time is at or before `now` (ms), soonest first (index due_releases). */
export async function dueReleases(store: MongoStore, now: number, limit: number): Promise<SeatBlock[]> {
  return store.run(async () => {
    const docs = await store.m.Block.find({ ended: null, releaseAt: { $ne: null, $lte: new Date(now) } })
      .sort({ releaseAt: 1, _id: 1 })
      .limit(limit)
      .lean<BlockDoc[]>()
      .exec()
    return docs.map(toBlock)
  })
}
