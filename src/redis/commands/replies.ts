import type { ScriptReply } from '../scripts.js'

/** A script answered something its header does not list: a bug on one side, never a refusal. */
export function unexpectedReply(script: string, reply: unknown): Error {
  return new Error(`unexpected ${script} reply ${JSON.stringify(reply)}`)
}

export function num(value: ScriptReply[number] | undefined): number {
  return Number(value)
}

/** [a, b, a, b, ...] as pairs, from `from` on. */
export function pairsOf(flat: readonly unknown[], from = 0): [string, string][] {
  const pairs: [string, string][] = []
  for (let i = from; i + 1 < flat.length; i += 2) pairs.push([String(flat[i]), String(flat[i + 1])])
  return pairs
}
