import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: { conditions: ['@stitch-auth/source'] },
  ssr: { resolve: { conditions: ['@stitch-auth/source'] } },
  // Nest reads constructor and parameter types from decorator metadata.
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['reflect-metadata'],
    reporters: ['default', ['json', { outputFile: '../../.artifacts/vitest/nestjs.json' }]],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'] },
  },
})
