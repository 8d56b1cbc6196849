// Every GraphQL document the packages ship or document (sources, READMEs, examples, the demo,
// the CLI's defaults) must be one real Stitch would accept: it is validated against the
// simulator's schema, which follows Stitch's API reference.
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as catalog from '@stitch-auth/core/operations'
import { FIELD_SCOPES, schema, startStitchSimulator } from '@stitch-auth/testing'
import { type DocumentNode, Kind, parse, validate } from 'graphql'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { runReadmeBlock } from '../../test-support/readme-examples.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** Where shipped and documented documents live; tests are not shipped and may hold attacks. */
const SEARCHED = ['README.md', 'docs', 'packages', 'apps']
// api/ holds the API reports: generated copies of dist/'s declarations.
const SKIPPED_DIRECTORIES = new Set(['node_modules', 'dist', 'api', 'test', '.turbo', 'coverage'])
const EXTENSIONS = /\.(ts|mts|cts|js|mjs|md|html)$/

interface Found {
  file: string
  line: number
  text: string
}

function files(path: string): string[] {
  const absolute = join(ROOT, path)
  if (!statSync(absolute).isDirectory()) return EXTENSIONS.test(path) ? [path] : []
  return readdirSync(absolute).flatMap((name) =>
    SKIPPED_DIRECTORIES.has(name) ? [] : files(join(path, name)),
  )
}

// A GraphQL operation inside a string: starts with an operation keyword, or is a shorthand
// selection set handed to something that sends GraphQL (an object literal looks the same).
const OPERATION_START = /^\s*(query|mutation|subscription)\b/
const SHORTHAND = /^\s*\{\s*[_A-Za-z]/
const SENDS_GRAPHQL = /(graphql\(\s*|["']?query["']?\s*:\s*|--query\s+|graphql\s+)$/
const STRING_LITERALS = /`((?:[^`\\]|\\.)*)`|'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"/g
const QUOTED_STRINGS = /(?<![\w`])'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"/g
const GRAPHQL_FENCES = /```graphql\n([\s\S]*?)```/g

function candidates(file: string): Found[] {
  // Markdown fences would pair up with the backticks of template literals: blank them out.
  const source = readFileSync(join(ROOT, file), 'utf8').replace(/^\s*```.*$/gm, '')
  const lineOf = (index: number) => source.slice(0, index).split('\n').length
  const found: Found[] = []
  const original = readFileSync(join(ROOT, file), 'utf8')
  for (const match of original.matchAll(GRAPHQL_FENCES)) {
    found.push({
      file,
      line: original.slice(0, match.index).split('\n').length,
      text: match[1] ?? '',
    })
  }
  // Quoted strings are read a second time on their own: help texts are template literals
  // that quote example documents.
  const matches = [...source.matchAll(STRING_LITERALS), ...source.matchAll(QUOTED_STRINGS)]
  for (const match of matches) {
    const raw = match.slice(1).find((group) => group !== undefined) ?? ''
    const text = match[0].startsWith('"') ? unescapeJson(raw) : raw
    // Interpolated templates and help-text placeholders are not whole documents.
    const before = source.slice(Math.max(0, match.index - 40), match.index)
    // A document has a selection set; a bare keyword (`query` in a sentence) is prose.
    const isDocument =
      text.includes('{') &&
      (OPERATION_START.test(text) || (SHORTHAND.test(text) && SENDS_GRAPHQL.test(before)))
    if (!isDocument || text.includes('${') || text.includes('…')) continue
    found.push({ file, line: lineOf(match.index), text })
  }
  return found.filter(
    (item, index) =>
      found.findIndex((other) => other.line === item.line && other.text === item.text) === index,
  )
}

/** A query inside a JSON example (`{"query":"query { … }"}`) is JSON-escaped. */
function unescapeJson(raw: string): string {
  try {
    return JSON.parse(`"${raw}"`) as string
  } catch {
    return raw
  }
}

function operations(document: DocumentNode): number {
  return document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).length
}

const documents = SEARCHED.flatMap(files).flatMap(candidates)

describe('every shipped GraphQL document', () => {
  it('is found in each place that ships or documents one', () => {
    const places = new Set(documents.map((document) => document.file))
    for (const place of [
      'README.md',
      'packages/core/README.md',
      'packages/core/src/operations/payment-requests.ts',
      'packages/core/src/operations/refunds.ts',
      'packages/core/src/operations/disbursements.ts',
      'packages/core/src/operations/verification.ts',
      'packages/core/src/operations/payment-authorization.ts',
      'packages/core/src/operations/images.ts',
      'packages/core/src/operations/webhook-endpoints.ts',
      'packages/core/examples/quick-start.ts',
      'packages/cli/README.md',
      'packages/cli/src/commands/doctor.ts',
      'packages/cli/src/help.ts',
      'packages/testing/README.md',
    ]) {
      expect(places, place).toContain(place)
    }
    expect(documents.length).toBeGreaterThan(25)
  })

  it.each(documents.map((found) => [`${found.file}:${found.line}`, found] as const))(
    '%s parses and validates against the simulator’s schema',
    (_where, { text }) => {
      const document = parse(text)
      expect(operations(document)).toBeGreaterThan(0)
      expect(validate(schema, document).map((error) => error.message)).toEqual([])
    },
  )
})

// The catalog's documents are read from the modules themselves: some are assembled from shared
// fragments, which the text search above skips. Every exported operation is checked.
const catalogOperations = Object.entries(catalog as Record<string, unknown>).filter(
  (entry): entry is [string, { name: string; document: string; scopes: readonly string[] }] =>
    typeof entry[1] === 'object' &&
    entry[1] !== null &&
    typeof (entry[1] as { document?: unknown }).document === 'string',
)

describe('every operation of the typed catalog', () => {
  it('is found', () => {
    expect(catalogOperations.length).toBeGreaterThanOrEqual(19)
  })

  it.each(catalogOperations)('%s validates against the simulator’s schema', (_name, operation) => {
    const document = parse(operation.document)
    expect(validate(schema, document).map((error) => error.message)).toEqual([])
    // run() sends `name` as operationName: the document must define exactly that operation.
    const names = document.definitions.flatMap((definition) =>
      definition.kind === Kind.OPERATION_DEFINITION ? [definition.name?.value] : [],
    )
    expect(names).toEqual([operation.name])
    // Its scopes are the ones the simulator, following Stitch's reference, asks of its fields.
    const needed = fieldScopes(document)
    for (const scope of needed) expect(operation.scopes).toContain(scope)
  })
})

/** The scopes the simulator's schema states for the root fields a document selects. */
function fieldScopes(document: DocumentNode): string[] {
  const scopes = new Set<string>()
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue
    const root = definition.operation === 'mutation' ? 'Mutation' : 'Query'
    for (const selection of definition.selectionSet.selections) {
      if (selection.kind !== Kind.FIELD) continue
      const fields =
        selection.name.value === 'client'
          ? (selection.selectionSet?.selections ?? []).flatMap((inner) =>
              inner.kind === Kind.FIELD ? [`Client.${inner.name.value}`] : [],
            )
          : [`${root}.${selection.name.value}`]
      for (const field of fields) for (const scope of FIELD_SCOPES[field] ?? []) scopes.add(scope)
    }
  }
  return [...scopes]
}

describe('the collector', () => {
  it('catches a document Stitch would refuse', () => {
    const invented = parse('query { clientScopes }')
    expect(validate(schema, invented).map((error) => error.message)).toEqual([
      'Cannot query field "clientScopes" on type "Query".',
    ])
  })

  it('reads a JSON-escaped query and skips placeholders', () => {
    expect(unescapeJson('query { node(id: \\"x\\") { id } }')).toBe(
      'query { node(id: "x") { id } }',
    )
    expect(relative(ROOT, join(ROOT, 'README.md'))).toBe('README.md')
  })
})

// README examples that call Stitch are run, not only validated: each self-contained TypeScript
// block (it builds its own client from the environment) runs against the simulator, with the
// requests it sends to Stitch's hosts answered by the simulator instead.
const RUNNABLE_READMES = ['README.md', 'packages/core/README.md']
const TS_FENCES = /```ts\n([\s\S]*?)```/g
const examples = RUNNABLE_READMES.flatMap((file) =>
  [...readFileSync(join(ROOT, file), 'utf8').matchAll(TS_FENCES)]
    .map((match) => match[1] ?? '')
    .filter(
      (code) =>
        code.includes('createStitchAuth(') &&
        code.includes('process.env.STITCH_CLIENT_SECRET') &&
        [...code.matchAll(/from '([^']+)'/g)].every(
          ([, from]) => from === '@stitch-auth/core' || from === '@stitch-auth/core/operations',
        ),
    )
    .map((code, index) => [`${file} example ${index + 1}`, code] as const),
)

describe('README examples that call Stitch', () => {
  const scratch = join(ROOT, 'release', '.readme-examples')
  afterAll(() => rmSync(scratch, { recursive: true, force: true }))

  it('are found', () => {
    expect(examples.map(([name]) => name)).toEqual([
      'README.md example 1',
      'packages/core/README.md example 1',
      'packages/core/README.md example 2',
    ])
  })

  it.each(examples)('%s runs against the simulator', async (name, code) => {
    await using sim = await startStitchSimulator({
      clients: [
        {
          clientId: 'readme-client',
          clientSecret: 'readme-secret',
          scopes: ['client_paymentrequest'],
        },
      ],
    })
    // The examples call Stitch's own URLs: sim.fetch sends them to the simulator.
    vi.stubGlobal('fetch', sim.fetch)
    vi.stubEnv('STITCH_CLIENT_ID', 'readme-client')
    vi.stubEnv('STITCH_CLIENT_SECRET', 'readme-secret')
    vi.spyOn(console, 'log').mockImplementation(() => {})
    try {
      await runReadmeBlock(scratch, name.replace(/\W+/g, '-'), code)
    } finally {
      vi.unstubAllGlobals()
      vi.unstubAllEnvs()
      vi.restoreAllMocks()
    }
    expect(sim.stats.tokenRequests.byOutcome.issued).toBeGreaterThan(0)
    expect(sim.apiRequests.length).toBeGreaterThan(0)
    expect(sim.apiRequests.filter((entry) => entry.outcome !== 'ok')).toEqual([])
  })
})
