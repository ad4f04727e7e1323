/** Times in the API and the ledger are ISO 8601 UTC with milliseconds, whatever form a caller gave. */
export function isoInput(value: string, what: string): string {
  const time = Date.parse(value)
  if (Number.isNaN(time)) throw new Error(`${what} is not a valid date: ${value}`)
  return new Date(time).toISOString()
}
