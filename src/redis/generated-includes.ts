import { KEY_SUFFIX, SOLD_PREFIX } from './keys.js'
import { SCRIPT_CODE } from './script-codes.js'

/**
 * A Lua table of constants. Reading a name it lacks raises an error instead of yielding nil, so a typo
 * in a script fails loudly (a nil in a reply table would silently shorten it).
 */
export function luaConstants(name: string, values: Readonly<Record<string, string | number>>): string {
  const fields = Object.entries(values).map(
    ([key, value]) => `${key} = ${typeof value === 'number' ? String(value) : JSON.stringify(value)}`,
  )
  return [
    `local ${name} = setmetatable({ ${fields.join(', ')} }, {`,
    `  __index = function(_, key) error('${name}.' .. tostring(key) .. ' is not defined') end,`,
    '})',
    '',
  ].join('\n')
}

/**
 * Includes made from TypeScript constants when the scripts load (`--- @include "includes/codes"`), so
 * TypeScript is their one source. Not files: nothing to regenerate, nothing to drift.
 */
export const GENERATED_INCLUDES: ReadonlyMap<string, string> = new Map([
  [
    'includes/codes',
    '-- Generated from src/redis/script-codes.ts: refusal codes by name.\n' +
      luaConstants('CODE', SCRIPT_CODE),
  ],
  [
    'includes/layout',
    "-- Generated from KEY_SUFFIX in src/redis/keys.ts: what follows an event's base in its key names.\n" +
      luaConstants('KEY', KEY_SUFFIX) +
      `local SOLD_PREFIX = ${JSON.stringify(SOLD_PREFIX)}\n`,
  ],
])
