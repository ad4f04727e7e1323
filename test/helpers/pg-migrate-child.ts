/**
 * One process that initialises a PostgresLedger (runs its migrations) and exits: for tests of several
 * processes starting at once. Prints the ledger's log lines on stdout, then "done".
 *
 *   node --import @tapjs/typescript/import pg-migrate-child.ts <postgres url>
 */
import { createPostgresLedger } from '../../src/ledger/postgres.js'

const url = process.argv[2]
if (url === undefined) {
  process.stderr.write('usage: pg-migrate-child.ts <postgres url>\n')
  process.exit(2)
}
const ledger = createPostgresLedger(url, { log: (msg) => process.stdout.write(`${msg}\n`) })
try {
  await ledger.init()
  process.stdout.write('done\n')
} finally {
  await ledger.close()
}
