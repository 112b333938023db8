#!/usr/bin/env node
// Builds the C modules of wasm-modules/c/ (every *.c; the ABI header is edgemix_abi.h)
// with Debian's clang + lld, twice each:
//   c_<name>.wasm         freestanding: --target=wasm32 -nostdlib, the header's heap, no imports
//   c_<name>.wasip1.wasm  WASI preview 1: --target=wasm32-wasi with wasi-libc
// When clang, wasm-ld or wasi-libc are missing and this runs as root on Debian, installs
// them (apt-get install clang lld wasi-libc libclang-rt-dev-wasm32); otherwise it says
// what to install and skips the C modules.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { line, modulesDir, writeDist } from './wasm-dist.mjs';

const cDir = join(modulesDir, 'c');
const PACKAGES = ['clang', 'lld', 'wasi-libc', 'libclang-rt-dev-wasm32'];
const COMMON = ['-O2', '-mbulk-memory', '-Wall', '-Wextra', '-Werror', '-Wl,--no-entry', '-Wl,--strip-debug', `-I${cDir}`];
const FLAVOURS = [
  { suffix: '.wasm', flags: ['--target=wasm32', '-nostdlib', '-ffreestanding', '-DEDGEMIX_HEAP'] },
  { suffix: '.wasip1.wasm', flags: ['--target=wasm32-wasi', '-nostartfiles'] },
];

const found = (command) => spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0;
/** clang finds `file` for WASI (wasi-libc's libc.a, the wasm32 compiler-rt builtins). */
function wasiHas(flag) {
  const probe = spawnSync('clang', ['--target=wasm32-wasi', flag], { encoding: 'utf8' });
  return probe.status === 0 && existsSync(probe.stdout.trim());
}

const wasiReady = () => wasiHas('-print-file-name=libc.a') && wasiHas('-print-libgcc-file-name');
const ready = () => found('clang') && found('wasm-ld') && wasiReady();

/** Installs the toolchain when it can (root, apt-get); returns why not otherwise. */
function install() {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !found('apt-get')) return 'not root on a Debian-like system';
  console.log(`build-c: installing ${PACKAGES.join(' ')} (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args) => spawnSync('apt-get', args, { stdio: 'inherit', env }).status === 0;
  if (!apt(['install', '-y', '-qq', ...PACKAGES]) && !(apt(['update', '-qq']) && apt(['install', '-y', '-qq', ...PACKAGES]))) {
    return 'apt-get install failed';
  }
  return ready() ? undefined : 'the packages installed but the toolchain is still incomplete';
}

/** PATH without node_modules/.bin: clang runs any `wasm-opt` it finds on PATH after
 *  linking (binaryen's, through assemblyscript, under `npm run`), which would make the
 *  output depend on how the script was started. */
const clangEnv = {
  ...process.env,
  PATH: (process.env.PATH ?? '').split(delimiter).filter((dir) => !dir.includes(`node_modules${sep}.bin`)).join(delimiter),
};

function compile(source, flavour, out) {
  const result = spawnSync('clang', [...flavour.flags, ...COMMON, '-o', out, source], { encoding: 'utf8', env: clangEnv });
  if (result.error) throw new Error(`clang: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`clang ${basename(source)} (${flavour.flags[0]}) failed:\n${result.stderr}`);
  return readFileSync(out);
}

/** Builds every C module; returns its report lines (a skip notice when it cannot). */
export function buildC() {
  if (!ready()) {
    const why = install();
    if (why) {
      return [`C modules skipped (${why}): install ${PACKAGES.join(' ')} (Debian/Ubuntu) to build c_*.wasm`];
    }
  }
  const scratch = mkdtempSync(join(tmpdir(), 'edgemix-c-'));
  try {
    const lines = [];
    for (const source of readdirSync(cDir).filter((f) => f.endsWith('.c')).sort()) {
      const name = `c_${basename(source, '.c')}`;
      const row = FLAVOURS.map((flavour) => {
        const bytes = compile(join(cDir, source), flavour, join(scratch, name + flavour.suffix));
        return line(name + flavour.suffix, bytes.length, writeDist(name + flavour.suffix, bytes));
      });
      lines.push(row.join('   ').trimEnd());
    }
    return lines;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    for (const l of buildC()) console.log(l);
  } catch (err) {
    console.error(`build-c: ${err.message}`);
    process.exit(1);
  }
}
