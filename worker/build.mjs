#!/usr/bin/env node
// Builds the edge Worker into worker/dist/: index.mjs (src/index.ts and the rules it
// imports from ts/http, bundled by esbuild as one ES module) beside mixer.wasm (imported
// as a compiled module) and mixer.wasm.bin (the same bytes as data, for GET /wasm), from
// wasm-modules/dist (npm run build:wasm first). Type-checks the sources first. Prints the
// size of each file, raw and gzip-compressed (the platform's script limit counts the
// compressed upload). `node worker/build.mjs --json` prints the sizes as JSON.
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..')
const dist = join(here, 'dist')
const wasm = join(root, 'wasm-modules', 'dist', 'mixer.wasm')

const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(here, 'tsconfig.json')], { stdio: 'inherit' })
if (tsc.status !== 0) process.exit(1)

mkdirSync(dist, { recursive: true })
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
await build({
  entryPoints: [join(here, 'src', 'index.ts')],
  outfile: join(dist, 'index.mjs'),
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  external: ['./mixer.wasm', './mixer.wasm.bin'],
  define: { EDGEMIX_VERSION: JSON.stringify(version) },
  legalComments: 'none',
  logLevel: 'warning',
})
copyFileSync(wasm, join(dist, 'mixer.wasm'))
copyFileSync(wasm, join(dist, 'mixer.wasm.bin'))

const sizes = ['index.mjs', 'mixer.wasm', 'mixer.wasm.bin'].map((file) => {
  const bytes = readFileSync(join(dist, file))
  return { file, bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length }
})
const total = { file: 'total', bytes: sizes.reduce((n, s) => n + s.bytes, 0), gzip: sizes.reduce((n, s) => n + s.gzip, 0) }
if (process.argv.includes('--json')) console.log(JSON.stringify([...sizes, total]))
else for (const s of [...sizes, total]) console.log(`worker/dist/${s.file.padEnd(15)} ${String(s.bytes).padStart(9)} B  gzip ${String(s.gzip).padStart(8)} B`)
