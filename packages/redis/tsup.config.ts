import { defineConfig } from 'tsup'

// `redis` (a peer) and `@stitch-auth/core` (a dependency) stay external in both formats.
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
