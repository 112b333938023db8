// One deterministic workload over the addon (a mixer chain, a WASM mixer session and a
// feature extractor, concurrently), for the worker-thread and fork tests: it returns
// every output's bytes so runs in different threads or processes compare bit for bit.
const { join } = require('node:path')
const addon = require(join(__dirname, '..', 'edgemix.linux-x64-gnu.node'))

function frame(seed) {
  const out = new Float32Array(960)
  let x = seed >>> 0
  for (let i = 0; i < out.length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0
    out[i] = ((x / 2 ** 32) * 2 - 1) * 0.8
  }
  return out
}

async function job(frames = 50) {
  const chain = new addon.MixerChain()
  const extractor = new addon.FeatureExtractor()
  const node = await addon.WasmEdgeNode.load(join(__dirname, '..', 'wasm-modules', 'dist', 'mixer.wasm'))
  const session = await node.createSession()
  const inputs = Array.from({ length: frames }, (_, i) => frame(i + 1))
  const [mixed, wasm, features] = await Promise.all([
    Promise.all(inputs.map((f) => chain.process(f))),
    Promise.all(inputs.map((f) => session.process(f))),
    Promise.all(inputs.map((f) => extractor.push(f))),
  ])
  await session.close()
  const bytes = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64')
  return {
    mixed: mixed.map(bytes),
    wasm: wasm.map(bytes),
    features: features.map((f) => JSON.stringify(f, (_, v) => (ArrayBuffer.isView(v) ? bytes(v) : v))),
  }
}

module.exports = { job }

if (require.main === module) job().then((r) => process.send(r))
