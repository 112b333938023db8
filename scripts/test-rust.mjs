#!/usr/bin/env node
// Runs the Rust tests in release mode for the host target given explicitly, as
// `napi build --platform` does, over the whole workspace (the addon crate has no Rust
// tests, but selecting it keeps the features of shared dependencies identical to the
// addon build): the tests then reuse the addon build's artifacts in target/<host>/release
// and wasmtime compiles once.
import { spawnSync } from 'node:child_process'

const rustc = spawnSync('rustc', ['-vV'], { encoding: 'utf8' })
if (rustc.status !== 0) throw new Error(`rustc -vV failed: ${rustc.stderr}`)
const host = /^host: (\S+)$/m.exec(rustc.stdout)?.[1]
if (!host) throw new Error(`no host triple in rustc -vV output:\n${rustc.stdout}`)

const args = ['test', '--release', '--workspace', '--target', host, ...process.argv.slice(2)]
const result = spawnSync('cargo', args, { stdio: 'inherit' })
process.exit(result.status ?? 1)
