// What the module build scripts share: where modules go, writing a file only when its
// bytes changed, and the size column of their reports.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoDir = fileURLToPath(new URL('..', import.meta.url));
export const modulesDir = join(repoDir, 'wasm-modules');
export const distDir = join(modulesDir, 'dist');

/** Writes `bytes` to dist/`file` unless it already holds them; true if written. */
export function writeDist(file, bytes) {
  mkdirSync(distDir, { recursive: true });
  const path = join(distDir, file);
  if (existsSync(path) && Buffer.compare(readFileSync(path), bytes) === 0) return false;
  writeFileSync(path, bytes);
  return true;
}

export const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`.padStart(10);

/** One report line: `file  size (updated)`. */
export const line = (file, bytes, changed) => `${file.padEnd(28)} ${kib(bytes)}${changed ? ' (updated)' : '          '}`;
