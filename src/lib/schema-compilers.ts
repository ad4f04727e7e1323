import { AjvCompiler } from '@fastify/ajv-compiler'
import type { ValidatorFactory } from '@fastify/ajv-compiler'
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import type { SerializerFactory } from '@fastify/fast-json-stringify-compiler'

/**
 * Fastify's own schema compilers (ajv for requests, fast-json-stringify for responses), with every
 * compiled function kept for the life of the process and shared by every app it builds.
 *
 * Why: compiling is most of the cost of building the app. Every route declares a response schema per
 * status it can answer, and Fastify compiles each one anew, in every app: measured, 200-300 ms of CPU
 * per app, two thirds of it fast-json-stringify. A compiled validator or serializer depends only on its
 * schema, the shared schemas it may $ref and the compiler's options, so one compiled for an identical
 * schema is reused: within an app (identical error bodies on several routes) and in a process that builds
 * several apps (the test suite builds hundreds). The cache holds one entry per distinct schema, so it is
 * bounded by the routes' schemas, not by traffic.
 *
 * Schemas and options are keyed by their JSON, so they must be plain JSON data (TypeBox's schemas are; its
 * symbol keys are not read by either compiler), and options carry no functions (here: ajv's customOptions,
 * no ajv plugins, no serializer options).
 */

/** What Fastify hands a compiler for one schema of one route. */
interface SchemaDefinition {
  schema?: unknown
}
/** Builds a compiler for one set of shared schemas and options (the shape of both of Fastify's factories). */
type CompilerFactory<Compiled> = (
  externalSchemas: unknown,
  options: unknown,
) => (definition: SchemaDefinition) => Compiled

/** Schemas compiled so far, by kind (for the test that shows a second app compiles nothing). */
export const compiled = { validators: 0, serializers: 0 }

function sharedCompilers<Compiled>(
  factory: CompilerFactory<Compiled>,
  kind: keyof typeof compiled,
): CompilerFactory<Compiled> {
  const compilers = new Map<string, (definition: SchemaDefinition) => Compiled>()
  return (externalSchemas, options) => {
    const compilerKey = JSON.stringify([externalSchemas, options ?? null])
    const existing = compilers.get(compilerKey)
    if (existing) return existing
    const compile = factory(externalSchemas, options)
    const bySchema = new Map<string, Compiled>()
    const compiler = (definition: SchemaDefinition): Compiled => {
      const key = JSON.stringify(definition.schema)
      let result = bySchema.get(key)
      if (result === undefined) {
        result = compile(definition)
        compiled[kind]++
        bySchema.set(key, result)
      }
      return result
    }
    compilers.set(compilerKey, compiler)
    return compiler
  }
}

// Ajv's pool shares an Ajv instance per set of shared schemas and options, but Ajv caches compiled schemas
// by object, and Fastify makes a new headers schema for every route of every app: keyed by JSON instead.
const buildValidator = sharedCompilers(AjvCompiler() as unknown as CompilerFactory<unknown>, 'validators')
const buildSerializer = sharedCompilers(
  SerializerSelector() as unknown as CompilerFactory<unknown>,
  'serializers',
)

/** For Fastify's `schemaController.compilersFactory`. */
export const sharedSchemaCompilers = {
  buildValidator: buildValidator as unknown as ValidatorFactory,
  buildSerializer: buildSerializer as unknown as SerializerFactory,
}
