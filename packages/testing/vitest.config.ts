import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: { conditions: ['@stitch-auth/source'] },
  ssr: { resolve: { conditions: ['@stitch-auth/source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', ['json', { outputFile: '../../.artifacts/vitest/testing.json' }]],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'] },
  },
})
