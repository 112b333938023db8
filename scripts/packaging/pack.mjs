// The root package as npm would publish it: `npm pack` of the checkout, and a check of
// what it holds. It must carry what a user's install runs (the compiled client, the
// generated loader and typings, the product WASM modules the README documents, the
// browser demo) and nothing from the build (binaries go in the platform packages,
// sources, tests, caches, source maps without their sources).
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))

const MODULES = ['mixer', 'vad', 'echo', 'remote', 'hybrid_vad']
const REQUIRED = [
  'package.json',
  'README.md',
  'LICENSE',
  'index.js',
  'index.d.ts',
  'dist/index.js',
  'dist/index.d.ts',
  'dist/cli.js',
  'web/index.html',
  'web/app.js',
  'wasm-modules/ABI.md',
  'wasm-modules/wasm-modules.yaml',
  'wasm-modules/wasm-modules.schema.json',
  'wasm-modules/as/sdk/index.ts',
  'wasm-modules/c/edgemix_abi.h',
  ...MODULES.flatMap((m) => [`wasm-modules/dist/${m}.wasm`, `wasm-modules/dist/${m}.wasip1.wasm`]),
]
// The guest SDKs are sources on purpose: AssemblyScript modules import the SDK from the
// installed package and C modules include its header (README, "Writing a module"); the
// AssemblyScript gain and C gate modules are the templates that section points at.
const SDK = /^wasm-modules\/(as\/sdk\/|as\/gain\/|c\/edgemix_abi\.h$|c\/gate\.c$)/
const FORBIDDEN = [
  [/\.node$/, 'a native binary (they ship in the platform packages)'],
  [/^(src|crates|ts|scripts|__test__|bench|examples|npm|deploy|proto|artifacts|target)\//, 'a source, test or build folder'],
  [/(^|\/)node_modules\//, 'node_modules'],
  [/\.map$/, 'a source map (its TypeScript sources are not shipped)'],
  [/(?<!\.d)\.ts$/, 'a TypeScript source'],
  [/^wasm-modules\/(?!dist\/|ABI\.md$|wasm-modules\.(yaml|schema\.json)$)/, 'a guest module source'],
  [/\.(rs|toml|lock)$/, 'a Rust file'],
]

/** Packs the checkout into `dest`; resolves to { tarball, files, size, unpackedSize, problems }. */
export function packRoot(dest) {
  const [report] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', dest], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 }))
  const files = report.files.map((f) => f.path)
  const present = new Set(files)
  const problems = []
  for (const file of REQUIRED) if (!present.has(file)) problems.push(`missing ${file}`)
  for (const file of files) {
    if (SDK.test(file)) continue
    for (const [pattern, what] of FORBIDDEN) if (pattern.test(file)) problems.push(`${file}: ${what}`)
  }
  // Every entry point the manifest names must be in the package.
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  const targets = [pkg.main, pkg.types, ...Object.values(pkg.bin ?? {}), ...exportTargets(pkg.exports)]
  for (const target of targets) {
    const path = target.replace(/^\.\//, '')
    if (path.includes('*')) {
      const prefix = path.slice(0, path.indexOf('*'))
      if (!files.some((f) => f.startsWith(prefix))) problems.push(`exports ${target} matches no file`)
    } else if (!present.has(path)) problems.push(`${target} is named in package.json but not in the package`)
  }
  return { tarball: join(dest, report.filename), files, size: report.size, unpackedSize: report.unpackedSize, problems }
}

function exportTargets(exports) {
  if (typeof exports === 'string') return [exports]
  if (exports === null || typeof exports !== 'object') return []
  return Object.values(exports).flatMap(exportTargets)
}
