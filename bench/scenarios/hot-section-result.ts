/** What one run of the hot-section scenario measured (hot-section.ts), as the table rows read it. */
import type { LatencySummary } from '../lib/stats.js'
import type { LedgerCheck } from '../lib/ledger-check.js'
import type { TargetName } from '../lib/targets.js'

export type Variant = 'ga' | 'seated'

export interface HotResult {
  variant: Variant
  target: TargetName
  ledger: 'postgres' | 'mongodb'
  round: number
  confirmsPerSec: number
  confirms: number
  /**
   * Seconds of measured load, and the slices they ran in (interleaved with the other server's: hot-section.ts);
   * results written before the slices ran one 10 s run and have neither.
   */
  measuredS?: number
  slices?: number
  /** Seconds of load before the measured run, on a server just started. */
  warmupS: number
  /** Confirms/s of that warm-up: the server's first seconds of load (cold code, V8 still optimising it). */
  coldConfirmsPerSec: number
  /** Seated: seconds into the measured run when it took its section's last fresh seats, and stopped. */
  soldOutAfterS?: number
  /** Seated: seconds into the warm-up when it took its sections' last fresh seats, and stopped (short). */
  warmupSoldOutAfterS?: number
  holdLatency: LatencySummary
  confirmLatency: LatencySummary
  /** Every response of the measured run by status, and per step. */
  statuses: Record<string, number>
  holdStatuses: Record<string, number>
  confirmStatuses: Record<string, number>
  /** 5xx responses of the warm-up and the measured run together. */
  serverErrors: number
  /** autocannon's socket errors and timeouts (warm-up and measured run): requests with no status at all. */
  errors: number
  timeouts: number
  ledgerCheck: LedgerCheck
  /** CPU the server process used in the measured run per confirm answered 201 (hold + confirm). */
  serverCpuMsPerConfirm: number
  /** CPU our Redis used in the measured run per confirm answered 201. */
  redisCpuMsPerConfirm: number
  /** seatlock only: mean milliseconds of a confirm in each step (pin, ledger, finalise), from /metrics. */
  confirmStagesMs?: Record<string, number>
  /** Redis's busiest commands in one hold → confirm: calls and microseconds each (scripts' inner calls too). */
  redisCommandsPerConfirm: Record<string, { calls: number; usec: number }>
  /** CPU the PostgreSQL server (every postgres process) used in the measured run per confirm answered 201. */
  ledgerCpuMsPerConfirm?: number
  /** CPU the load generator (autocannon, in this process) used in the measured run per confirm answered 201. */
  clientCpuMsPerConfirm: number
  /** Write system calls (sockets: HTTP, Redis, ledger) of the server per confirm answered 201. */
  serverWritesPerConfirm: number
  /**
   * The share (0–1) of the measured run the server's event loop was busy: near 1, its one thread was the
   * ceiling; lower, its requests spent the rest waiting on Redis, the ledger or the load generator.
   */
  serverLoopBusy: number
  /** seatlock: confirms per ledger transaction of its group commit in the measured run (from its metrics). */
  confirmsPerTransaction?: number
}
