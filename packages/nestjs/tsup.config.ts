import { defineConfig } from 'tsup'
import { libraryBuild } from '../../tsup.shared.js'

// tsconfig's emitDecoratorMetadata makes tsup compile with @swc/core, which emits the
// decorator metadata Nest reads. @nestjs/* are ESM-only: the CommonJS build require()s them
// (Node >= 22.12 loads ESM from require), which works because only named imports are used.
export default defineConfig(libraryBuild({ entry: ['src/index.ts', 'src/operations.ts'] }))
