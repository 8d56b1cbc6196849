import { fileURLToPath } from 'node:url'
import { defineConfig, mergeConfig, type ViteUserConfig } from 'vitest/config'

const reports = fileURLToPath(new URL('./.artifacts/vitest/', import.meta.url))

/**
 * The test setup every workspace package shares: tests import workspace packages from their
 * TypeScript sources (the `@stitch-auth/source` export condition), type tests run from
 * `*.test-d.ts`, and each package writes a JSON report that `scripts/test.sh` adds up.
 */
export function workspaceTestConfig(name: string, overrides: ViteUserConfig = {}): ViteUserConfig {
  return mergeConfig(
    defineConfig({
      resolve: { conditions: ['@stitch-auth/source'] },
      ssr: { resolve: { conditions: ['@stitch-auth/source'] } },
      test: {
        include: ['test/**/*.test.ts'],
        reporters: ['default', ['json', { outputFile: `${reports}${name}.json` }]],
        typecheck: { enabled: true, include: ['test/**/*.test-d.ts'] },
      },
    }),
    overrides,
  )
}
