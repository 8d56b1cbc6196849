import { defineConfig } from 'tsup'
import { libraryBuild } from '../../tsup.shared.js'

// ky ships ESM only, so CommonJS consumers get it bundled in.
export default defineConfig(
  libraryBuild({ entry: ['src/index.ts', 'src/node.ts'], bundleInCommonJs: ['ky'] }),
)
