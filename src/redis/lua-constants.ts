import { RANK_SPAN, RUN_CLASSES } from '../domain/seating.js'
import { BLOCKED_PREFIX, KEY_SUFFIX, SOLD_PREFIX } from './keys.js'
import { SCRIPT_CODE } from './script-codes.js'

/**
 * The values TypeScript and the scripts share, each from its one TypeScript source: refusal codes
 * (`CODE.<NAME>`, script-codes.ts), key name suffixes (`KEY.<name>`, KEY_SUFFIX in keys.ts) and the
 * seat value layout (`SEAT.soldPrefix`, `SEAT.blockedPrefix`, keys.ts), the best-available index's shape
 * (`SEATING.x`, seating.ts).
 */
const TABLES: Readonly<Record<string, Readonly<Record<string, string | number>>>> = {
  CODE: SCRIPT_CODE,
  KEY: KEY_SUFFIX,
  SEAT: { soldPrefix: SOLD_PREFIX, blockedPrefix: BLOCKED_PREFIX },
  SEATING: { classes: RUN_CLASSES, rankSpan: RANK_SPAN },
}

const REFERENCE = new RegExp(`\\b(${Object.keys(TABLES).join('|')})\\.([A-Za-z_]\\w*)`, 'g')

/**
 * A script's text with every `CODE.X`, `KEY.x` and `SEAT.x` replaced by its value when the script loads:
 * the scripts read names while Redis runs literals (a table built on every call cost 1-2 µs a call,
 * measured), and a name that does not exist fails the load, so the process does not start.
 */
export function inlineConstants(source: string, file: string): string {
  return source.replace(REFERENCE, (reference, table: string, name: string) => {
    const value = TABLES[table]?.[name]
    if (value === undefined) throw new Error(`${file}: ${reference} is not defined`)
    // Parenthesised so a negative code stays one operand wherever it lands (`x - CODE.A`).
    return typeof value === 'number' ? `(${value})` : JSON.stringify(value)
  })
}
