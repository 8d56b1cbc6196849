import { workspaceTestConfig } from '../../vitest.shared.js'

export default workspaceTestConfig('cli', {
  // Most tests start the built CLI as a process and talk to a real simulator.
  test: { testTimeout: 20_000 },
})
