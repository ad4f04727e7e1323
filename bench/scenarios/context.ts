import type { Infra } from '../lib/infra.js'
import type { SeatlockAdmin, TargetName } from '../lib/targets.js'

export interface BenchOptions {
  quick: boolean
  /** Seconds of each measurement. */
  duration: number
  /** Seconds of warm-up before each measurement. */
  warmup: number
  connections: number
  targets: TargetName[]
  /** Directory for seatlock CPU profiles (--profile), or undefined. */
  cpuProfDir: string | undefined
}

export interface Ctx {
  infra: Infra
  admin: SeatlockAdmin
  opts: BenchOptions
}

/** Upper bound of holds per second any server reaches here, to size events so seats don't run out. */
export const RATE_CAP = 20_000
