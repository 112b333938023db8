// ESM: named imports from the CommonJS package (Node reads its export names statically).
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { ErrorCode, HybridProcessingClient, MixerChain } from 'edgemix'

const { sine } = createRequire(import.meta.url)('./signal.cjs')
assert.equal(typeof HybridProcessingClient, 'function')
const client = new HybridProcessingClient({ host: '127.0.0.1', port: 1 }) // connects lazily: nothing listens on port 1
assert.equal(typeof client.metrics(), 'string')
await client.close()
const chain = new MixerChain()
assert.equal((await chain.process(sine())).length, 960)
await assert.rejects(chain.process(new Float32Array(0)), { code: ErrorCode.INVALID_AUDIO })
console.log('esm: ok')
