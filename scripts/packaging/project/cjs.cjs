// CommonJS: require('edgemix') resolves the package's exports and loads the prebuilt binary.
const assert = require('node:assert/strict')
const edgemix = require('edgemix')
const { sine } = require('./signal.cjs')

for (const name of ['MixerChain', 'WasmEdgeNode', 'CloudClient', 'startServer', 'HybridProcessingClient', 'Pipeline', 'ErrorCode']) {
  assert.ok(edgemix[name] !== undefined, `require('edgemix').${name} is missing`)
}
const out = new edgemix.MixerChain({ limiter: { ceilingDb: -6 } }).processSync(sine())
assert.ok(out.every((v) => Math.abs(v) <= 10 ** (-6 / 20) + 1e-6), 'the limiter let a sample above −6 dBFS through')
console.log(`cjs: ok (${Object.keys(edgemix).length} exports)`)
