import { defineConfig } from 'tsup'
import { libraryBuild } from '../../tsup.shared.js'

export default defineConfig([
  ...libraryBuild({ entry: ['src/index.ts'] }),
  {
    // For `<script type="module">` without a bundler: one minified file, nothing to resolve.
    entry: { 'stitch-proxy-client.browser': 'src/index.ts' },
    format: ['esm'],
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    noExternal: [/.*/],
  },
])
