/**
 * A bench result names the code it measured. When seatlock's server is another build (SEATLOCK_SERVER, to
 * compare two commits on one machine), the commit recorded is only the bench's and the baselines': the
 * result and its summary must say which server ran, or a run of an older build reads as the current one's.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { machineInfo, writeSummary } from '../bench/lib/results.js'
import type { TargetName } from '../bench/lib/target-names.js'

const BASELINES: Record<TargetName, string> = {
  seatlock: 's',
  reference: 'r',
  pg: 'p',
  redlock: 'l',
  naive: 'n',
}

function summaryOf(machine: ReturnType<typeof machineInfo>): string {
  const dir = mkdtempSync(join(tmpdir(), 'seatlock-bench-results-'))
  try {
    writeSummary(dir, machine, 'quick', 1, [], BASELINES, { mean: 0, max: 0 })
    return readFileSync(join(dir, 'summary.md'), 'utf8')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

t.test('a run of another build of the server records that build', async (t) => {
  const machine = machineInfo('7.0', '15', 'abc1234', '/tmp/old/dist/src/server.js')
  t.equal(machine.seatlockServer, '/tmp/old/dist/src/server.js', 'in the result')
  t.match(
    summaryOf(machine),
    "Commit measured: abc1234 (the bench and the baselines); seatlock's server: /tmp/old/dist/src/server.js (SEATLOCK_SERVER).",
    'in the summary',
  )
})

t.test('a run of this commit records only the commit', async (t) => {
  const machine = machineInfo('7.0', '15', 'abc1234', undefined)
  t.notOk('seatlockServer' in machine, 'no server path in the result')
  t.match(summaryOf(machine), 'Commit measured: abc1234.\n', 'the summary names the commit alone')
})
