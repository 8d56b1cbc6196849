import { defineConfig, type Options } from 'tsup'

// The page loads @stitch-auth/browser as the package ships it for <script type="module">
// (served by the shop at this path), so the page's own script stays a few kilobytes.
const browserClientFromServer: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'stitch-browser-client-from-server',
  setup(build) {
    build.onResolve({ filter: /^@stitch-auth\/browser\/browser\.js$/ }, () => ({
      path: '/vendor/stitch-proxy-client.browser.js',
      external: true,
    }))
  },
}

export default defineConfig([
  {
    // The servers. Node's type stripping cannot run Nest's decorators; esbuild compiles them.
    entry: { main: 'src/main.ts' },
    outDir: 'dist/server',
    format: ['esm'],
    platform: 'node',
    target: 'node22',
    sourcemap: true,
    clean: true,
  },
  {
    // The checkout page: its script, and index.html + styles.css copied from src/page/public.
    entry: { checkout: 'src/page/checkout.ts' },
    outDir: 'dist/public',
    format: ['esm'],
    platform: 'browser',
    target: 'es2022',
    publicDir: 'src/page/public',
    // Not tsup's usual "dependencies stay external": the plugin above decides where it comes from.
    noExternal: ['@stitch-auth/browser/browser.js'],
    esbuildPlugins: [browserClientFromServer],
    clean: true,
  },
])
