// Where the bench finds things: its own folder, the repository root, the guest modules.
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const ROOT = path.resolve(BENCH_DIR, '..')
export const WASM_DIST = path.join(ROOT, 'wasm-modules', 'dist')

export function requireWasmDist() {
  for (const name of ['echo.wasm', 'mixer.wasm', 'denoise.wasm']) {
    if (!existsSync(path.join(WASM_DIST, name))) throw new Error(`wasm-modules/dist/${name} is missing: run \`node scripts/build-wasm.mjs\``)
  }
}
