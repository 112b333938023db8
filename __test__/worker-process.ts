// The edge Worker (worker/) under the real workerd on 127.0.0.1 with a free port, built
// once per test file (worker/workerd.mjs does the work; the CPU bench uses it too).
// @ts-expect-error: a plain ES module without types
import { buildWorker as build, startWorker as start } from '../worker/workerd.mjs'

export interface WorkerProcess {
  url: string
  pid: number
  stop(): Promise<void>
}

let built = false

/** Builds worker/dist (the bundled script and mixer.wasm); `[{ file, bytes, gzip }]`, the total last. */
export function buildWorker(): Array<{ file: string; bytes: number; gzip: number }> {
  built = true
  return build()
}

/** Starts the Worker (built first, once per file); `env` sets its bindings (MIXER_CONFIG, ANALYSIS_ORIGIN). */
export async function startWorker(env: Record<string, string> = {}): Promise<WorkerProcess> {
  if (!built) buildWorker()
  return start(env)
}
