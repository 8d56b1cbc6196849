import { defineConfig } from 'tsup'
import { libraryBuild } from '../../tsup.shared.js'

// ky ships ESM only, so CommonJS consumers get it bundled in.
export default defineConfig(
  libraryBuild({
    entry: {
      index: 'src/index.ts',
      node: 'src/node.ts',
      opentelemetry: 'src/opentelemetry/index.ts',
      operations: 'src/operations/index.ts',
      proxy: 'src/proxy/index.ts',
      webhooks: 'src/webhooks/index.ts',
    },
    bundleInCommonJs: ['ky'],
  }),
)
