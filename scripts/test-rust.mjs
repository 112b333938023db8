#!/usr/bin/env node
// Runs the Rust tests in release mode for the host target given explicitly, as
// `napi build --platform` does, over the whole workspace. The addon build (npm run
// build:native) also selects the whole workspace (`-- --workspace`), so cargo resolves
// the same features of every shared dependency for both (built alone, the addon would
// leave out e.g. tokio's `signal` and log's `std` that the server enables, and the tests
// would then rebuild tokio, log and everything above them: wasmtime, cranelift, tract,
// tonic). The tests thus reuse the addon build's artifacts in target/<host>/release and
// compile only their own harnesses.
import { spawnSync } from 'node:child_process'

import { hostTriple } from './release-binary.mjs'

const args = ['test', '--release', '--workspace', '--target', hostTriple(), ...process.argv.slice(2)]
const result = spawnSync('cargo', args, { stdio: 'inherit' })
process.exit(result.status ?? 1)
