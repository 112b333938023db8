#!/usr/bin/env node
// Builds the guest modules of wasm-modules/ into wasm-modules/dist/:
// - the Rust crates for wasm32-unknown-unknown and wasm32-wasip1 (one cargo run, release
//   profile): <name>.wasm and <name>.wasip1.wasm;
// - the AssemblyScript modules of wasm-modules/as/ (build-as.mjs): as_<name>.wasm;
// - the C modules of wasm-modules/c/ (build-c.mjs): c_<name>.wasm and c_<name>.wasip1.wasm;
// then the sha256 values of the product registry, wasm-modules/wasm-modules.yaml
// (wasm-registry.mjs), from the modules just built.
// A file in dist/ is rewritten only when its bytes changed. Installs the two rustup
// targets first if they are missing. Respects CARGO_TARGET_DIR (cargo reports where the
// artifacts are). A run with nothing to rebuild takes a few seconds.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { buildAssemblyScript } from './build-as.mjs';
import { buildC } from './build-c.mjs';
import { ensureRustTargets } from './lib/rustup.mjs';
import { distDir, line, modulesDir, repoDir, writeDist } from './wasm-dist.mjs';
import { updateRegistry } from './wasm-registry.mjs';

const TARGETS = { 'wasm32-unknown-unknown': '.wasm', 'wasm32-wasip1': '.wasip1.wasm' };

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: modulesDir, encoding: 'utf8', maxBuffer: 256 << 20, ...options });
  if (result.error) throw new Error(`${command}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
  }
  return result.stdout ?? '';
}

/** Source paths that panic messages carry into a module's bytes, written the same for every
 *  checkout and cargo home, so the shipped modules do not carry the build machine's paths.
 *  Their SHA-256 still differs between checkouts (the symbol hashes in the kept name
 *  section depend on where the crates are), and with it the registry's `sha256` values
 *  each build writes. Added to wasm-modules/.cargo/config.toml's rustflags (cargo
 *  joins arrays from --config and the file). */
function remapPaths(target) {
  const cargoHome = process.env.CARGO_HOME ?? join(homedir(), '.cargo');
  const flags = [`--remap-path-prefix=${repoDir.replace(/[\\/]$/, '')}=/edgemix`, `--remap-path-prefix=${cargoHome}=/cargo`];
  return ['--config', `target.${target}.rustflags=${JSON.stringify(flags)}`];
}

/** Builds both targets; returns [{ name, target, path }] of every module artifact. */
function build() {
  const args = ['build', '--release', '--message-format=json-render-diagnostics'];
  for (const target of Object.keys(TARGETS)) args.push('--target', target, ...remapPaths(target));
  // Diagnostics and progress go to stderr as usual; stdout carries the JSON messages.
  const stdout = run('cargo', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const artifacts = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const message = JSON.parse(line);
    if (message.reason !== 'compiler-artifact' || !message.target.kind.includes('cdylib')) continue;
    for (const path of message.filenames.filter((file) => file.endsWith('.wasm'))) {
      const target = Object.keys(TARGETS).find((triple) => path.split(/[\\/]/).includes(triple));
      if (target) artifacts.push({ name: message.target.name, target, path });
    }
  }
  return artifacts;
}

try {
  const started = performance.now();
  ensureRustTargets(Object.keys(TARGETS));
  const artifacts = build();
  const byName = new Map();
  for (const artifact of artifacts) {
    const bytes = readFileSync(artifact.path);
    const file = `${artifact.name}${TARGETS[artifact.target]}`;
    const changed = writeDist(file, bytes);
    if (!byName.has(artifact.name)) byName.set(artifact.name, []);
    const order = Object.keys(TARGETS).indexOf(artifact.target);
    byName.get(artifact.name)[order] = line(file, bytes.length, changed);
  }
  for (const name of [...byName.keys()].sort()) console.log(byName.get(name).join('   ').trimEnd());
  const others = [...(await buildAssemblyScript()), ...buildC()];
  for (const l of others) console.log(l);
  const rehashed = updateRegistry();
  if (rehashed.length > 0) console.log(`wasm-modules.yaml: sha256 of ${rehashed.join(', ')} updated`);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`${byName.size} Rust modules, then AssemblyScript and C, in wasm-modules/${basename(distDir)}/ (${seconds} s)`);
} catch (err) {
  console.error(`build-wasm: ${err.message}`);
  process.exit(1);
}
