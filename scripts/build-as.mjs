#!/usr/bin/env node
// Builds the AssemblyScript modules of wasm-modules/as/ (every folder with an index.ts
// except sdk/) with the SDK's asconfig.json and writes dist/as_<folder>.wasm. Uses the
// `assemblyscript` devDependency's compiler API; no files besides the module are written.
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { line, modulesDir, repoDir, writeDist } from './wasm-dist.mjs';

const asDir = join(modulesDir, 'as');

/** Compiles one module; returns its bytes or throws with the compiler's diagnostics. */
async function compile(folder) {
  const { default: asc } = await import('assemblyscript/asc');
  let wasm;
  let diagnostics = '';
  const { error } = await asc.main(
    [`wasm-modules/as/${folder}/index.ts`, '--baseDir', repoDir, '--config', 'wasm-modules/as/sdk/asconfig.json', '--outFile', 'module.wasm'],
    {
      stdout: asc.createMemoryStream(),
      stderr: asc.createMemoryStream((chunk) => (diagnostics += chunk.toString())),
      writeFile: (name, contents) => {
        if (name.endsWith('module.wasm')) wasm = Buffer.from(contents);
      },
    },
  );
  if (error || !wasm) throw new Error(`asc ${folder}: ${error?.message ?? 'no output'}\n${diagnostics}`);
  return wasm;
}

/** Builds every module; returns its report lines. */
export async function buildAssemblyScript() {
  const folders = readdirSync(asDir).filter((f) => f !== 'sdk' && existsSync(join(asDir, f, 'index.ts'))).sort();
  const lines = [];
  for (const folder of folders) {
    const bytes = await compile(folder);
    const file = `as_${folder}.wasm`;
    lines.push(line(file, bytes.length, writeDist(file, bytes)));
  }
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    for (const l of await buildAssemblyScript()) console.log(l);
  } catch (err) {
    console.error(`build-as: ${err.message}`);
    process.exit(1);
  }
}
