import { workspaceTestConfig } from '../vitest.shared.js'

export default workspaceTestConfig('release', {
  test: {
    // Packing, publishing and installing real packages: generous, but finite.
    testTimeout: 120_000,
    hookTimeout: 600_000,
  },
})
