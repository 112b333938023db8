#!/usr/bin/env node
// Writes the SHA-256 of each module of wasm-modules/wasm-modules.yaml (the product
// registry) from the file it names, keeping the rest of the file (comments included) as
// it is. build-wasm.mjs runs it after every build: compilers differ in the bytes they
// emit, so the registry is made to match the modules built beside it rather than a fixed
// build. `node scripts/wasm-registry.mjs` runs it alone.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { modulesDir } from './wasm-dist.mjs';

export const registryPath = join(modulesDir, 'wasm-modules.yaml');

/** Rewrites the registry's sha256 values from its files; returns the names whose hash changed. */
export function updateRegistry(path = registryPath) {
  const text = readFileSync(path, 'utf8');
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0].message}`);
  const changed = [];
  for (const pair of doc.get('modules').items) {
    const name = String(pair.key);
    const file = join(dirname(path), pair.value.get('file'));
    const hash = createHash('sha256').update(readFileSync(file)).digest('hex');
    if (pair.value.get('sha256') !== hash) {
      pair.value.set('sha256', hash);
      changed.push(name);
    }
  }
  if (changed.length > 0) writeFileSync(path, doc.toString({ lineWidth: 0 }));
  return changed;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const changed = updateRegistry();
  console.log(changed.length ? `wasm-modules.yaml: sha256 of ${changed.join(', ')} updated` : 'wasm-modules.yaml: up to date');
}
