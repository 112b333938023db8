// Process exit without close(): with an embedded cloud server, a cloud stream, a mixer
// chain and WASM sessions mid-stream, process.exit(), an uncaught exception, the event
// loop running out (server unref'd) and worker.terminate() each end the process within
// 20 s with the expected code, no signal and no "FATAL ERROR".
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const CHILD = join(__dirname, 'process-exit-child.cjs')

function run(mode: string): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CHILD, mode], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  return new Promise((resolve) => {
    const hang = setTimeout(() => child.kill('SIGKILL'), 20_000)
    child.once('exit', (code, signal) => { clearTimeout(hang); resolve({ code, signal, stdout, stderr }) })
  })
}

describe('process exit without close()', () => {
  it.each([
    ['exit', 7, 'streaming'],
    ['throw', 1, 'streaming'],
    ['natural', 0, 'streaming'],
    ['worker', 0, 'streaming 960'],
  ])('%s: exits with %i', async (mode, code, line) => {
    const r = await run(mode)
    expect(r.signal).toBe(null)
    expect(r.stderr).not.toMatch(/FATAL ERROR/)
    expect(r.stdout.trim()).toBe(line)
    expect(r.code).toBe(code)
    if (mode === 'throw') expect(r.stderr).toMatch(/uncaught-on-purpose/)
  }, 30_000)
})
