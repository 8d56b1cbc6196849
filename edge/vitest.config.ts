import { workspaceTestConfig } from '../vitest.shared.js'

export default workspaceTestConfig('edge', {
  test: {
    // Bundling the Worker and starting workerd: bounded, with room for a cold machine.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
