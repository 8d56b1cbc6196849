import { defineConfig } from 'tsup'

// tsconfig's emitDecoratorMetadata makes tsup compile with @swc/core, which emits the
// decorator metadata Nest reads. @nestjs/* are ESM-only: the CommonJS build require()s them
// (Node >= 22.12 loads ESM from require), which works because only named imports are used.
export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2023',
  },
  {
    entry: ['src/index.ts'],
    format: ['cjs'],
    dts: true,
    sourcemap: true,
    target: 'es2023',
  },
])
