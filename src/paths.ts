import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The package root, found from this file whether it runs from src/ (tests) or dist/src/ (built). */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error('seatlock: package.json not found above ' + import.meta.url)
    dir = parent
  }
  return dir
}

export const ROOT_DIR = findRoot()
export const LUA_DIR = join(ROOT_DIR, 'lua')
/** The seat map page and its browser assets, served as they are (plain JavaScript and CSS, no build step). */
export const UI_DIR = join(ROOT_DIR, 'ui')
