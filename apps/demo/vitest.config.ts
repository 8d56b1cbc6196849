import { workspaceTestConfig } from '../../vitest.shared.js'

export default workspaceTestConfig('demo', {
  test: {
    // The page reads the shop's state once a second, so a poll that waits only vitest's
    // default second races the page's own refresh on a busy machine.
    expect: { poll: { timeout: 5000 } },
  },
})
