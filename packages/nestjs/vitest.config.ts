import { workspaceTestConfig } from '../../vitest.shared.js'

export default workspaceTestConfig('nestjs', {
  // Nest reads constructor and parameter types from decorator metadata.
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  test: { setupFiles: ['reflect-metadata'] },
})
