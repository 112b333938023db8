// No panic crosses into Node: a test-only switch (EDGEMIX_TEST_PANIC=1 when the addon
// loads, src/guard.rs) makes the next call of one kind panic inside the addon; each comes
// back as an Error with code ERR_INTERNAL, the process lives on, and the same object
// keeps working, bit for bit as a reference that never saw the failed call.
import { createRequire } from 'node:module'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'

const ROOT = join(__dirname, '..')
const NATIVE = join(ROOT, 'edgemix.linux-x64-gnu.node')
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let addon: any

beforeAll(() => {
  // Read once when the addon loads: set before the first require in this fork.
  process.env.EDGEMIX_TEST_PANIC = '1'
  addon = createRequire(__filename)(NATIVE)
})

function frame(seed: number): Float32Array {
  const out = new Float32Array(960)
  let x = seed >>> 0
  for (let i = 0; i < out.length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0
    out[i] = ((x / 2 ** 32) * 2 - 1) * 0.8
  }
  return out
}

describe('panic containment', () => {
  it('refuses the switch when the variable was not set at load, even if set afterwards', () => {
    const script = `const a = require(${JSON.stringify(NATIVE)}); process.env.EDGEMIX_TEST_PANIC = '1';
      try { a.armTestPanic('sync'); console.log('armed') } catch (e) { console.log(e.code + ' ' + /EDGEMIX_TEST_PANIC/.test(e.message)) }`
    const env = { ...process.env }
    delete env.EDGEMIX_TEST_PANIC
    expect(execFileSync(process.execPath, ['-e', script], { env }).toString().trim()).toBe('ERR_INVALID_CONFIG true')
  })

  it('a sync call (processSync, inside the chain lock) throws ERR_INTERNAL and the chain keeps working', () => {
    const chain = new addon.MixerChain()
    const reference = new addon.MixerChain()
    expect(chain.processSync(frame(1))).toEqual(reference.processSync(frame(1)))
    addon.armTestPanic('sync')
    let caught: unknown
    try { chain.processSync(frame(2)) } catch (e) { caught = e }
    expect(caught).toBeInstanceOf(Error)
    expect((caught as { code: string }).code).toBe('ERR_INTERNAL')
    // The failed block never reached the DSP: the reference skips it too.
    expect(Buffer.from(chain.processSync(frame(3)).buffer)).toEqual(Buffer.from(reference.processSync(frame(3)).buffer))
  })

  it('a frame-worker job rejects with ERR_INTERNAL; the chain and the lane keep working', async () => {
    const chain = new addon.MixerChain()
    const reference = new addon.MixerChain()
    addon.armTestPanic('lane')
    await expect(chain.process(frame(4))).rejects.toMatchObject({ code: 'ERR_INTERNAL' })
    // Call order is kept: the failed call's block was still applied to the chain's
    // state (before the next one), its output lost.
    reference.processSync(frame(4))
    const outs = await Promise.all([5, 6, 7].map((s) => chain.process(frame(s))))
    outs.forEach((out: Float32Array, i: number) => expect(Buffer.from(out.buffer)).toEqual(Buffer.from(reference.processSync(frame(5 + i)).buffer)))
  })

  it('a libuv-pool job (WasmEdgeNode.load) rejects with ERR_INTERNAL; the next load works', async () => {
    const path = join(ROOT, 'wasm-modules', 'dist', 'echo.wasm')
    addon.armTestPanic('libuv')
    await expect(addon.WasmEdgeNode.load(path)).rejects.toMatchObject({ code: 'ERR_INTERNAL' })
    const node = await addon.WasmEdgeNode.load(path)
    const session = await node.createSession()
    const input = frame(8)
    const out = await session.process(input)
    expect(Buffer.from(out.buffer ?? out)).toEqual(Buffer.from(input.buffer))
    await session.close()
  })

  it('a cloud call (tokio) rejects with ERR_INTERNAL; the same client keeps working', async () => {
    const server = await addon.startServer({ port: 0 })
    const client = new addon.CloudClient({ endpoints: [`127.0.0.1:${server.port}`], timeoutMs: 10_000, retries: 0 })
    try {
      addon.armTestPanic('tokio')
      await expect(client.status()).rejects.toMatchObject({ code: 'ERR_INTERNAL' })
      expect((await client.status()).status).toBe('healthy')
    } finally {
      await client.close()
      await server.close()
    }
  })
})
