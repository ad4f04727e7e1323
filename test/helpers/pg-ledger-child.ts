/**
 * A process that owns one PostgresLedger, for fault tests that must watch a process survive (or die).
 *
 *   node --import @tapjs/typescript/import pg-ledger-child.ts <postgres url> <application_name>
 *
 * Reads commands from stdin, one a line ("ping"), and answers each on stdout with one JSON line:
 * {"cmd":"ping","ok":true} or {"cmd":"ping","ok":false,"error":"LedgerUnavailableError: ..."}.
 * The ledger's log lines go to stderr. Prints {"ready":true} first.
 */
import { createInterface } from 'node:readline'
import { createPostgresLedger } from '../../src/ledger/postgres.js'

const [url, applicationName] = process.argv.slice(2)
if (url === undefined || applicationName === undefined) {
  process.stderr.write('usage: pg-ledger-child.ts <postgres url> <application_name>\n')
  process.exit(2)
}
const ledger = createPostgresLedger(url, {
  applicationName,
  log: (msg) => process.stderr.write(`${msg}\n`),
})

const answer = (value: object): void => {
  process.stdout.write(`${JSON.stringify(value)}\n`)
}

const lines = createInterface({ input: process.stdin })
lines.on('line', (line) => {
  const cmd = line.trim()
  if (cmd === 'ping') {
    ledger.ping().then(
      () => answer({ cmd, ok: true }),
      (err: unknown) =>
        answer({ cmd, ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }),
    )
  } else if (cmd !== '') {
    answer({ cmd, ok: false, error: 'unknown command' })
  }
})
// stdin closed: the test is done with us.
lines.on('close', () => {
  void ledger.close().finally(() => process.exit(0))
})
answer({ ready: true })
