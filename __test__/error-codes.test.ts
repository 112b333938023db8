// Every error code the native addon can produce is one of ErrorCode's, each ErrorCode has
// its documentation (the doc comment TypeDoc publishes), and the TypeScript sources name
// codes through ErrorCode, never as literals. Read from the sources, so a code added in
// Rust without its ErrorCode entry fails here.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ErrorCode } from '../dist/index.js'

const root = join(__dirname, '..')

function files(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return files(path, ext)
    return path.endsWith(ext) ? [path] : []
  })
}

const codes = new Set<string>(Object.values(ErrorCode))
const rustSources = [
  ...files(join(root, 'src'), '.rs'),
  ...readdirSync(join(root, 'crates')).flatMap((crate) => files(join(root, 'crates', crate, 'src'), '.rs')),
]

describe('error codes', () => {
  it('every code in the Rust sources is an ErrorCode', () => {
    const found = new Map<string, string>()
    for (const file of rustSources) {
      for (const [, code] of readFileSync(file, 'utf8').matchAll(/"(ERR_[A-Z0-9_]+)"/g)) found.set(code!, file)
    }
    expect(found.size).toBeGreaterThan(20)
    const missing = [...found].filter(([code]) => !codes.has(code)).map(([code, file]) => `${code} (${file})`)
    expect(missing).toEqual([])
  })

  it('every ErrorCode is documented', () => {
    const source = readFileSync(join(root, 'ts', 'errors.ts'), 'utf8')
    const undocumented = Object.keys(ErrorCode).filter(
      (key) => !new RegExp(`/\\*\\*[^*]*(?:\\*(?!/)[^*]*)*\\*/\\s*\\n\\s*${key}: '`).test(source),
    )
    expect(undocumented).toEqual([])
  })

  it('the TypeScript sources use ErrorCode, never a code literal', () => {
    const literals = files(join(root, 'ts'), '.ts')
      .filter((file) => !file.endsWith(join('ts', 'errors.ts')))
      .flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/'(ERR_[A-Z0-9_]+)'/g)]
        .filter(([, code]) => codes.has(code!))
        .map(([, code]) => `${code} in ${file}`))
    expect(literals).toEqual([])
  })
})
