/**
 * Code-unit order of two strings, the same in every process and locale: the order rows are locked in and
 * lists are sorted by, wherever two orders must agree.
 */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
