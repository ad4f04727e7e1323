/**
 * Confirms on MongoDB. Guarantees come from unique indexes and guarded updates inside one snapshot
 * transaction; duplicate-key errors are never caught inside a transaction: they abort it and are mapped
 * outside.
 */
import { planConfirm } from '../domain/confirm-plan.js'
import { CapacityExceededError, SeatsTakenError, UnknownEventError } from '../domain/errors.js'
import type { Reservation } from '../domain/reservation.js'
import { batchResults, mergeBatch, planBatch } from './common.js'
import { CountShort, takeUnits } from './mongo-counts.js'
import { hasErrorLabel, isDuplicateKey, isMongoUnreachable } from './mongo-errors.js'
import { reservationDoc, soldSeatDocs, toReservation } from './mongo-mapping.js'
import { sectionKey } from './mongo-models.js'
import type { ReservationDoc, SectionDoc } from './mongo-models.js'
import type { MongoStore } from './mongo-store.js'
import { BatchRefusedError } from './port.js'
import type { ConfirmInput, ConfirmResult } from './port.js'

const MAX_CONFIRM_ATTEMPTS = 3

/**
 * One confirm in its own transaction; a refusal names the seats taken or the section short.
 */
export async function confirm(store: MongoStore, input: ConfirmInput): Promise<ConfirmResult> {
  const plan = planConfirm(input.items)
  if (!Number.isSafeInteger(input.amount) || input.amount < 0) throw new Error('confirm: invalid amount')
  const doc = reservationDoc(input, plan.items)
  const seatDocs = soldSeatDocs(input.eventId, plan.seats, input.reservationId)
  const { Reservation, SoldSeat, SectionCount } = store.m

  return store.run(async () => {
    for (let attempt = 1; ; attempt++) {
      const state = { step: 'reservation' as 'reservation' | 'seats' | 'sections' }
      try {
        await store.txn(async (session) => {
          state.step = 'reservation'
          await Reservation.create([doc], { session })
          state.step = 'seats'
          if (seatDocs.length > 0) await SoldSeat.insertMany(seatDocs, { session, ordered: true })
          state.step = 'sections'
          for (const s of plan.sections) {
            const shards = await store.shardsOf(input.eventId, s.section)
            await takeUnits(SectionCount, session, input.eventId, s, shards)
          }
        })
        return { reservation: toReservation(doc), created: true }
      } catch (err) {
        // The transaction is aborted by now; decide what the failure means.
        if (err instanceof CountShort) {
          const section = await store.m.Section.findById(sectionKey(input.eventId, err.section))
            .lean<SectionDoc>()
            .exec()
          if (section === null) {
            // The items were checked against the definition: a section missing is an event deleted since
            // (deleteEvent; this transaction was aborted, so nothing of the sale was written).
            const event = await store.m.Event.exists({ _id: input.eventId }).exec()
            if (event === null) throw new UnknownEventError(`confirm: no event ${input.eventId}`)
            throw new Error(`confirm: unknown section ${input.eventId}/${err.section}`)
          }
          if (section.kind !== err.kind) {
            throw new Error(`confirm: section ${err.section} is ${section.kind}, the item is ${err.kind}`)
          }
          if (section.shards === undefined && attempt < MAX_CONFIRM_ATTEMPTS) {
            // Written by an older version after this one's init: move its count to shards, then retry.
            await store.migrateSection(section._id)
            continue
          }
          throw new CapacityExceededError(err.section, err.units)
        }
        if (!isDuplicateKey(err)) throw err
        if (state.step === 'reservation') {
          const existing = await store.saleOfHold(input.holdId)
          if (existing !== null) return { reservation: existing, created: false }
          const sameId = await store
            .rawReservations()
            .findOne(
              { _id: input.reservationId },
              { readConcern: { level: 'majority' }, projection: { _id: 1 } },
            )
          if (sameId !== null) {
            throw new Error(`confirm: reservation id ${input.reservationId} is already used by another hold`)
          }
        } else if (state.step === 'seats') {
          const taken = await soldAmong(store, input.eventId, plan.seats)
          if (taken.length > 0) throw new SeatsTakenError(taken)
          // The conflicting sale was cancelled in the meantime.
          if (attempt >= MAX_CONFIRM_ATTEMPTS) throw new SeatsTakenError(plan.seats)
        } else {
          throw err
        }
        if (attempt >= MAX_CONFIRM_ATTEMPTS) throw err
      }
    }
  })
}

/** Every input in one transaction; BatchRefusedError when the data refuses any of them. */
export async function confirmBatch(store: MongoStore, inputs: ConfirmInput[]): Promise<ConfirmResult[]> {
  if (inputs.length === 0) return []
  const holds = planBatch(inputs)
  const eventId = holds[0]?.input.eventId as string
  const { Reservation, SoldSeat, SectionCount } = store.m
  return store.run(async () => {
    try {
      return await store.txn(async (session) => {
        // Holds confirmed before (retries) or fenced: their document answers, nothing more is written.
        // (One read per batch, not per confirm.)
        const existing = await Reservation.find({ holdId: { $in: holds.map((h) => h.input.holdId) } })
          .session(session)
          .lean<ReservationDoc[]>()
          .exec()
        const repeats = new Map(existing.map((d) => [d.holdId, toReservation(d)]))
        const fresh = holds.filter((h) => !repeats.has(h.input.holdId))
        const { seats, sections } = mergeBatch(fresh)
        const docs = fresh.map((h) => reservationDoc(h.input, h.plan.items))
        // Duplicate keys abort the transaction (another confirm of a hold or a seat won): BatchRefused below.
        if (docs.length > 0) await Reservation.insertMany(docs, { session, ordered: true, lean: true })
        if (seats.length > 0) {
          const seatDocs = seats.map((s) => ({
            eventId,
            section: s.section,
            seat: s.seat,
            reservationId: s.reservationId,
          }))
          await SoldSeat.insertMany(seatDocs, { session, ordered: true, lean: true })
        }
        for (const s of sections) {
          await takeUnits(SectionCount, session, eventId, s, await store.shardsOf(eventId, s.section))
        }
        const created = new Map(docs.map((d) => [d.holdId, toReservation(d)]))
        return batchResults(holds, inputs.length, (hold) => {
          const fresh = created.get(hold.input.holdId)
          if (fresh !== undefined) return { reservation: fresh, created: true }
          return { reservation: repeats.get(hold.input.holdId) as Reservation, created: false }
        })
      })
    } catch (err) {
      // Refused by the data, or still conflicting when the retry budget ran out on a reachable server:
      // each confirm alone (its own transaction and budget) settles it rather than 503 for them all.
      const conflicted = hasErrorLabel(err, 'TransientTransactionError') && !isMongoUnreachable(err)
      if (err instanceof CountShort || isDuplicateKey(err) || conflicted) {
        throw new BatchRefusedError('the ledger refused a confirm of the batch', { cause: err })
      }
      throw err
    }
  })
}

/** Which of these seats are sold right now (in the order given). */
async function soldAmong(
  store: MongoStore,
  eventId: string,
  seats: { section: string; seat: string }[],
): Promise<{ section: string; seat: string }[]> {
  const bySection = new Map<string, string[]>()
  for (const s of seats) bySection.set(s.section, [...(bySection.get(s.section) ?? []), s.seat])
  const rows = await store.m.SoldSeat.find(
    { eventId, $or: [...bySection].map(([section, labels]) => ({ section, seat: { $in: labels } })) },
    { section: 1, seat: 1, _id: 0 },
  )
    .lean<{ section: string; seat: string }[]>()
    .exec()
  const sold = new Set(rows.map((r) => `${r.section}\u0000${r.seat}`))
  return seats.filter((s) => sold.has(`${s.section}\u0000${s.seat}`))
}
