import { MemoryTokenCache } from '@stitch-auth/core'
import { runTokenCacheContract } from './token-cache-contract.js'

// The reference backend: the suite describes what core's own cache does.
runTokenCacheContract('MemoryTokenCache (core)', () => ({ cache: new MemoryTokenCache() }))
