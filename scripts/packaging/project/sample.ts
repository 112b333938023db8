// A TypeScript user of edgemix: checked with `tsc --strict`, then run. It touches the
// public API a server app uses: the native chain, WASM modules (by path and by bytes, as
// an Electron app loads them), the embedded cloud tier and the hybrid client.
import { readFileSync } from 'node:fs'
import {
  ErrorCode,
  HybridProcessingClient,
  MixerChain,
  WasmEdgeNode,
  startServer,
  type HybridResult,
  type MixerConfigInput,
  type MixerMeters,
} from 'edgemix'

const FRAME = 960
const frame = Float32Array.from({ length: FRAME }, (_, i) => 0.9 * Math.sin((2 * Math.PI * 1000 * i) / 48000))

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`sample: ${what}`)
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  check(a.length === b.length, `lengths ${a.length} and ${b.length} differ`)
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0)
}

async function main(): Promise<void> {
  const config: MixerConfigInput = { limiter: { ceilingDb: -3 } }
  const chain = new MixerChain(config)
  const native = await chain.process(frame)
  const ceiling = 10 ** (-3 / 20)
  check(native.every((v) => Math.abs(v) <= ceiling + 1e-6), 'the limiter let a sample above −3 dBFS through')
  const meters: MixerMeters = chain.meters()
  check(meters.outputPeakDb <= -3 + 1e-4 && meters.outputPeakDb > -40, `output peak ${meters.outputPeakDb} dBFS, expected in (−40, −3]`)

  try {
    chain.processSync(new Float32Array([0, Number.NaN]))
    check(false, 'a NaN sample was accepted')
  } catch (err) {
    check((err as { code?: string }).code === ErrorCode.INVALID_AUDIO, `a NaN sample gave ${String(err)}`)
  }

  // The modules ship in the package; an Electron app reads them from app.asar.unpacked or
  // hands their bytes to load().
  const wasmPath = require.resolve('edgemix/wasm-modules/dist/mixer.wasm')
  const byBytes = await WasmEdgeNode.load(readFileSync(wasmPath), { config })
  const session = await byBytes.createSession('sample')
  const wasmOut = (await session.process(frame)) as Float32Array
  check(maxAbsDiff(wasmOut, native) <= 1e-6, 'mixer.wasm (loaded from bytes) and the native chain disagree')
  await session.close()

  const server = await startServer({ port: 0 })
  const client = new HybridProcessingClient({ host: '127.0.0.1', port: server.port, timeoutMs: 5000 })
  try {
    const proxy = await client.createHybridProxy({
      edgeWasm: { wasmPath, config },
      cloudRemote: { nodeType: 'AudioMixer', config },
      decisionFunction: (input: unknown) => ((input as Float32Array)[0] === 0 ? 'edge' : 'cloud'),
      fallback: 'none',
    })
    const edge: HybridResult = await proxy.process(frame)
    const shifted = frame.slice()
    shifted[0] = 1e-3
    const cloud: HybridResult = await proxy.process(shifted)
    check(edge.route === 'edge' && cloud.route === 'cloud', `routes ${edge.route}, ${cloud.route}`)
    // Both sides run the same chain from the same state: the edge one has seen `frame`,
    // the cloud one (a one-shot call) starts fresh, like a fresh MixerChain.
    check(maxAbsDiff(edge.output as Float32Array, native) <= 1e-6, 'the edge route differs from the native chain')
    const fresh = new MixerChain(config).processSync(shifted)
    check(maxAbsDiff(cloud.output as Float32Array, fresh) <= 1e-6, 'the cloud route differs from the native chain')
    console.log(`sample: ok (edge ${edge.latencyMs.toFixed(2)} ms, cloud ${cloud.latencyMs.toFixed(2)} ms)`)
  } finally {
    await client.close()
    await server.close()
  }
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
