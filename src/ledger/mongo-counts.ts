/**
 * Section counts on MongoDB, split over several documents ("shards") whose `remaining` add up to the
 * section's remaining count.
 *
 * Why: two open MongoDB transactions that write the same document do not queue as PostgreSQL row locks
 * do; the second aborts with WriteConflict and starts again. With one count document per section every
 * confirm of an on-sale's hot section would abort every other (SERVER-43309). With the count spread over
 * COUNT_SHARDS documents, and each transaction starting at a random shard, concurrent transactions (one
 * group-commit batch per process) rarely touch the same document.
 *
 * The guarantee is the same as with one document: a shard is only ever decremented by a guarded update
 * (`remaining >= n`), so no shard goes below zero and their sum, the section's remaining count, neither.
 */
import mongoose from 'mongoose'
import type { ClientSession, Connection, Model } from 'mongoose'
import type { SectionKind } from '../domain/event.js'

/** Shards per section (fewer when the capacity is smaller). */
export const COUNT_SHARDS = 16

export interface SectionCountDoc {
  /** `<eventId>\0<sectionId>\0<shard>`. */
  _id: string
  eventId: string
  sectionId: string
  shard: number
  kind: SectionKind
  remaining: number
}

export function defineSectionCountModel(conn: Connection): Model<SectionCountDoc> {
  const schema = new mongoose.Schema<SectionCountDoc>(
    {
      _id: { type: String, required: true },
      eventId: { type: String, required: true },
      sectionId: { type: String, required: true },
      shard: { type: Number, required: true, min: 0 },
      kind: { type: String, enum: ['seated', 'ga'], required: true },
      remaining: { type: Number, required: true, min: 0 },
    },
    { strict: true, versionKey: false, autoIndex: false, autoCreate: false, collection: 'sectioncounts' },
  )
  schema.index({ eventId: 1, sectionId: 1, shard: 1 }, { name: 'event_section_shard' })
  return conn.model<SectionCountDoc>('SectionCount', schema)
}

function shardId(eventId: string, sectionId: string, shard: number): string {
  return `${eventId}\u0000${sectionId}\u0000${shard}`
}

/** The shard documents of a section holding `remaining` units, spread as evenly as they go. */
export function splitCount(
  eventId: string,
  sectionId: string,
  kind: SectionKind,
  capacity: number,
  remaining: number,
): SectionCountDoc[] {
  const shards = Math.max(1, Math.min(COUNT_SHARDS, capacity))
  const base = Math.floor(remaining / shards)
  const extra = remaining % shards
  return Array.from({ length: shards }, (_, shard) => ({
    _id: shardId(eventId, sectionId, shard),
    eventId,
    sectionId,
    shard,
    kind,
    remaining: base + (shard < extra ? 1 : 0),
  }))
}

/** A section's count could not give the units (short, unknown section, or another kind): aborts the transaction. */
export class CountShort extends Error {
  override name = 'CountShort'
  constructor(
    readonly section: string,
    readonly kind: SectionKind,
    readonly units: number,
  ) {
    super(`section ${section} cannot give ${units} ${kind} units`)
  }
}

const randomShard = (shards: number): number => Math.floor(Math.random() * shards)

/**
 * Takes `units` from a section's shards inside the caller's transaction, or throws CountShort. Throws
 * whatever the driver throws (WriteConflict included): the caller's transaction loop retries those.
 */
export async function takeUnits(
  SectionCount: Model<SectionCountDoc>,
  session: ClientSession,
  eventId: string,
  section: { section: string; kind: SectionKind; units: number },
  /** The section's shard count (SectionDoc.shards). */
  shardCount: number,
): Promise<void> {
  // The common case: one guarded update on a random shard that has enough.
  const first = randomShard(shardCount)
  const quick = await SectionCount.updateOne(
    { _id: shardId(eventId, section.section, first), kind: section.kind, remaining: { $gte: section.units } },
    { $inc: { remaining: -section.units } },
    { session },
  )
  if (quick.matchedCount === 1) return

  // That shard is short (or absent: small sections have fewer): take from several, starting there.
  const shards = await SectionCount.find({ eventId, sectionId: section.section })
    .sort({ shard: 1 })
    .session(session)
    .lean<SectionCountDoc[]>()
    .exec()
  const total = shards.reduce((sum, s) => sum + s.remaining, 0)
  if (shards.length === 0 || shards.some((s) => s.kind !== section.kind) || total < section.units) {
    throw new CountShort(section.section, section.kind, section.units)
  }
  let left = section.units
  for (let i = 0; i < shards.length && left > 0; i++) {
    const shard = shards[(first + i) % shards.length] as SectionCountDoc
    const take = Math.min(shard.remaining, left)
    if (take === 0) continue
    const res = await SectionCount.updateOne(
      { _id: shard._id, remaining: { $gte: take } },
      { $inc: { remaining: -take } },
      { session },
    )
    // The snapshot said it had them; a write since then is a WriteConflict, not a miss. Abort if not.
    if (res.matchedCount !== 1) throw new CountShort(section.section, section.kind, section.units)
    left -= take
  }
}

/**
 * Gives units back (a cancelled sale) to a random shard of the section, inside the caller's transaction.
 * False when the section has no shards (not migrated yet): the caller gives them to the single count.
 */
export async function giveUnits(
  SectionCount: Model<SectionCountDoc>,
  session: ClientSession,
  eventId: string,
  sectionId: string,
  units: number,
  shardCount: number,
): Promise<boolean> {
  const res = await SectionCount.updateOne(
    { _id: shardId(eventId, sectionId, randomShard(shardCount)) },
    { $inc: { remaining: units } },
    { session },
  )
  return res.matchedCount === 1
}

/** Remaining units per section id of an event, summed over the shards (inside the caller's snapshot). */
export async function remainingBySection(
  SectionCount: Model<SectionCountDoc>,
  session: ClientSession,
  eventId: string,
): Promise<Map<string, number>> {
  const shards = await SectionCount.find({ eventId }, { sectionId: 1, remaining: 1 })
    .session(session)
    .lean<Pick<SectionCountDoc, 'sectionId' | 'remaining'>[]>()
    .exec()
  const sums = new Map<string, number>()
  for (const s of shards) sums.set(s.sectionId, (sums.get(s.sectionId) ?? 0) + s.remaining)
  return sums
}
