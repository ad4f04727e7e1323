/** seatlock on a MongoDB ledger, for the scenarios that report it: only when MONGO_URL names a replica set. */
import type { Ctx } from '../scenarios/context.js'
import { log } from './log.js'
import { SeatlockAdmin } from './targets.js'

const SKIPPED =
  'seatlock on MongoDB skipped: MONGO_URL is not set (MongoDB transactions need a replica set; ' +
  'set MONGO_URL=mongodb://…/seatlock_bench?replicaSet=… to include it)'

/** Runs `measure` with an admin on the MongoDB ledger, or notes why it was skipped. */
export async function onMongo(
  ctx: Ctx,
  notes: string[],
  measure: (admin: SeatlockAdmin, mongoUrl: string) => Promise<void>,
): Promise<void> {
  const url = ctx.infra.mongoUrl
  if (!url) {
    log(`  ${SKIPPED}`)
    notes.push(SKIPPED)
    return
  }
  const admin = await SeatlockAdmin.open(ctx.infra, url)
  try {
    await measure(admin, url)
  } finally {
    await admin.close()
  }
}
