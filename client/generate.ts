/**
 * The typed client's types, generated from the OpenAPI document the service serves (openapi-typescript).
 * `npm run client:generate` writes client/schema.ts from a running service (default http://127.0.0.1:3000);
 * test/client.test.ts regenerates them from the code under test and fails when the committed file differs,
 * so the document, the server and the client cannot drift apart.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import openapiTS, { astToString } from 'openapi-typescript'
import type { OpenAPI3 } from 'openapi-typescript'
import { ROOT_DIR } from '../src/paths.js'

export const SCHEMA_FILE = join(ROOT_DIR, 'client', 'schema.ts')

const BANNER = `/**
 * Generated from seatlock's OpenAPI document by client/generate.ts (npm run client:generate).
 * Do not edit: test/client.test.ts fails when this file and the served document differ.
 */
`

/** The TypeScript source of the client's types for an OpenAPI document. */
export async function generateTypes(document: unknown): Promise<string> {
  const ast = await openapiTS(document as OpenAPI3, { alphabetize: true })
  return BANNER + astToString(ast)
}

async function main(): Promise<void> {
  const base = process.argv[2] ?? 'http://127.0.0.1:3000'
  const response = await fetch(`${base}/docs/json`)
  if (!response.ok) throw new Error(`GET ${base}/docs/json answered ${response.status}`)
  await writeFile(SCHEMA_FILE, await generateTypes(await response.json()))
  process.stdout.write(`wrote ${SCHEMA_FILE}\n`)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`client:generate: ${(error as Error).message}\n`)
    process.exit(1)
  })
}
