#!/usr/bin/env node
// Installs what the test suite needs beyond npm packages and a Rust toolchain, so that
// `npm test` passes on a fresh machine by itself:
//   - python3 with venv: the interop test runs RemoteMedia's Python client from a pinned
//     venv (scripts/interop-venv.mjs), and the genre tests read pytest-audioeval's WAVs;
//   - Debian's chromium at /usr/bin/chromium, which the browser end-to-end test drives
//     (npm never downloads a browser).
// Missing system packages are installed with apt-get when running as root on Debian or
// Ubuntu; elsewhere the error says what to install. Nothing is done when all is there.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ensureInteropVenv } from './interop-venv.mjs'
import { aptInstall, works } from './lib/apt.mjs'

const CHROMIUM = '/usr/bin/chromium'

export function ensureTestEnv() {
  if (!works(process.env.PYTHON ?? 'python3', ['-m', 'venv', '--help'])) {
    aptInstall(['python3', 'python3-venv'], 'the interop and genre tests need python3 with venv')
  }
  ensureInteropVenv()
  if (!existsSync(CHROMIUM)) aptInstall(['chromium'], `the browser test drives ${CHROMIUM}`)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    ensureTestEnv()
  } catch (err) {
    console.error(`test-env: ${err.message}`)
    process.exit(1)
  }
}
