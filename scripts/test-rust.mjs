#!/usr/bin/env node
// Runs the Rust tests of the pure cores in release mode for the host target given
// explicitly, as `napi build --platform` does: both then share one target directory
// (target/<host>/release), so wasmtime and the rest compile once for the addon and the
// tests together.
import { spawnSync } from 'node:child_process'

const rustc = spawnSync('rustc', ['-vV'], { encoding: 'utf8' })
if (rustc.status !== 0) throw new Error(`rustc -vV failed: ${rustc.stderr}`)
const host = /^host: (\S+)$/m.exec(rustc.stdout)?.[1]
if (!host) throw new Error(`no host triple in rustc -vV output:\n${rustc.stdout}`)

const args = ['test', '--release', '--workspace', '--exclude', 'edgemix', '--target', host, ...process.argv.slice(2)]
const result = spawnSync('cargo', args, { stdio: 'inherit' })
process.exit(result.status ?? 1)
