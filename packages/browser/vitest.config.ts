import { workspaceTestConfig } from '../../vitest.shared.js'

export default workspaceTestConfig('browser', {
  test: {
    // Real Chromium, a real server and the simulator: generous, but failures still end.
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
})
