#!/usr/bin/env node
// Builds the guest modules of wasm-modules/ for wasm32-unknown-unknown and wasm32-wasip1
// (one cargo run, release profile) and copies them to wasm-modules/dist/:
//   <name>.wasm         wasm32-unknown-unknown
//   <name>.wasip1.wasm  wasm32-wasip1
// A file in dist/ is rewritten only when its bytes changed. Installs the two rustup
// targets first if they are missing. Respects CARGO_TARGET_DIR (cargo reports where the
// artifacts are). No dependencies; a run with nothing to rebuild takes about a second.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureRustTargets } from './lib/rustup.mjs';

const TARGETS = { 'wasm32-unknown-unknown': '.wasm', 'wasm32-wasip1': '.wasip1.wasm' };
const modulesDir = fileURLToPath(new URL('../wasm-modules/', import.meta.url));
const distDir = join(modulesDir, 'dist');

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: modulesDir, encoding: 'utf8', maxBuffer: 256 << 20, ...options });
  if (result.error) throw new Error(`${command}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
  }
  return result.stdout ?? '';
}

/** Builds both targets; returns [{ name, target, path }] of every module artifact. */
function build() {
  const args = ['build', '--release', '--message-format=json-render-diagnostics'];
  for (const target of Object.keys(TARGETS)) args.push('--target', target);
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

/** Writes `bytes` to `path` unless it already holds them; true if written. */
function copyIfChanged(bytes, path) {
  if (existsSync(path) && Buffer.compare(readFileSync(path), bytes) === 0) return false;
  writeFileSync(path, bytes);
  return true;
}

const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`.padStart(10);

try {
  const started = performance.now();
  ensureRustTargets(Object.keys(TARGETS));
  const artifacts = build();
  mkdirSync(distDir, { recursive: true });
  const byName = new Map();
  for (const artifact of artifacts) {
    const bytes = readFileSync(artifact.path);
    const file = `${artifact.name}${TARGETS[artifact.target]}`;
    const changed = copyIfChanged(bytes, join(distDir, file));
    if (!byName.has(artifact.name)) byName.set(artifact.name, []);
    const order = Object.keys(TARGETS).indexOf(artifact.target);
    byName.get(artifact.name)[order] = `${file.padEnd(20)} ${kib(bytes.length)}${changed ? ' (updated)' : '          '}`;
  }
  for (const name of [...byName.keys()].sort()) console.log(byName.get(name).join('   ').trimEnd());
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`${byName.size} modules in wasm-modules/${basename(distDir)}/ (${seconds} s)`);
} catch (err) {
  console.error(`build-wasm: ${err.message}`);
  process.exit(1);
}
