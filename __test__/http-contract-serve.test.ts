// The shared HTTP contract (http-contract.ts) against `edgemix serve`'s HTTP API: the
// native chain, so its output equals MixerChain's bit for bit.
import { httpContract } from './http-contract.js'
import { startServer } from './http-helpers.js'

httpContract(async () => ({ url: (await startServer({ rateLimit: false, web: false })).url, tolerance: 0 }))
