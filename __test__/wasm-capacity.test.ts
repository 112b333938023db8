// One module's sessions cannot take every instance slot: past maxInstancesPerModule its
// sessions are refused with ERR_WASM_CAPACITY naming the module and the cap, and other
// modules still load and run. Its own file (its own process): the engine is sized once.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ErrorCode, MixerChain, WasmEdgeNode, WasmSession } from '../dist/index.js'
import { startWasmEngine } from '../index.js'
import { FRAME, speechLike } from './helpers.js'

const DIST = join(__dirname, '..', 'wasm-modules', 'dist')

describe('instance slots per module', () => {
  it('refuses a module past its cap and keeps room for other modules', async () => {
    expect(await startWasmEngine(8, 3)).toBe(8)
    const echo = await WasmEdgeNode.load(join(DIST, 'echo.wasm'))
    const sessions: WasmSession[] = []
    for (let i = 0; i < 3; i++) sessions.push(await echo.createSession())
    const refused = await echo.createSession().then(
      () => { throw new Error('expected a refusal') },
      (e: Error & { code?: string }) => e,
    )
    expect(refused.code).toBe(ErrorCode.WASM_CAPACITY)
    expect(refused.message).toMatch(/module "echo" \(sha256 [0-9a-f]{12}\) has 3 instances alive.*maxInstancesPerModule = 3/)
    // Another module loads (describe() takes an instance) and runs beside them.
    const mixer = await WasmEdgeNode.load(join(DIST, 'mixer.wasm'))
    const session = await mixer.createSession()
    const frame = speechLike(FRAME)
    expect(await session.process(frame)).toEqual(new MixerChain().processSync(frame))
    // A closed session gives its slot back.
    await sessions.pop()!.close()
    sessions.push(await echo.createSession())
    expect(Buffer.from((await sessions[2].process(Buffer.from('hi'))) as Buffer).toString()).toBe('hi')
    // The sizes are fixed once the engine runs.
    const resized = await startWasmEngine(8, 4).catch((e: Error & { code?: string }) => e)
    expect((resized as { code?: string }).code).toBe(ErrorCode.INVALID_CONFIG)
    await expect(startWasmEngine(8, 9)).rejects.toMatchObject({ code: ErrorCode.INVALID_CONFIG })
    await Promise.all([...sessions, session].map((s) => s.close()))
  })
})
