#!/usr/bin/env node
/**
 * The `edgemix` command: a dispatcher over one module per command (./cli/*.ts). A
 * failure is one line on stderr and exit code 1 — `edgemix <command>: <CODE>: <message>`
 * for coded errors, `edgemix <command>: <message> (see edgemix <command> --help)` for
 * usage mistakes — never a stack trace unless EDGEMIX_DEBUG is set.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { UsageError } from './cli/args.js'

const COMMANDS: Record<string, { summary: string; run: () => Promise<(argv: string[]) => Promise<void>> }> = {
  process: { summary: 'run a WAV file through the mixer chain (edge or cloud), with a report', run: async () => (await import('./cli/process.js')).processCommand },
  analyze: { summary: 'loudness, MFCC summary and genre timeline of a WAV file', run: async () => (await import('./cli/analyze.js')).analyzeCommand },
  inspect: { summary: "check a WebAssembly module against the ABI and print its describe()", run: async () => (await import('./cli/inspect.js')).inspectCommand },
  serve: { summary: 'the edge HTTP API and the embedded gRPC cloud tier', run: async () => (await import('./cli/serve.js')).serve },
  bench: { summary: 'run the benchmarks (from a source checkout)', run: async () => (await import('./cli/bench.js')).benchCommand },
}

function version(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version
}

const USAGE = `usage: edgemix <command> [options]   (edgemix <command> --help for its options)

commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(9)}${c.summary}`)
  .join('\n')}

  -v, --version  the version
  -h, --help     this text`

/** One line, whatever the message holds. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim()
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv
  if (command === undefined || command === '-h' || command === '--help') {
    console.log(USAGE)
    return
  }
  if (command === '-v' || command === '--version') {
    console.log(version())
    return
  }
  const entry = COMMANDS[command]
  if (!entry) throw new UsageError(`unknown command ${command}; the commands are ${Object.keys(COMMANDS).join(', ')}`)
  await (await entry.run())(rest)
}

main(process.argv.slice(2)).catch((err: Error & { code?: string }) => {
  const command = process.argv[2] && process.argv[2] in COMMANDS ? ` ${process.argv[2]}` : ''
  if (err instanceof UsageError) {
    console.error(`edgemix${command}: ${oneLine(err.message)} (see edgemix${command} --help)`)
  } else {
    const code = typeof err?.code === 'string' && err.code.startsWith('ERR_') ? `${err.code}: ` : ''
    console.error(`edgemix${command}: ${code}${oneLine(String(err?.message ?? err))}`)
    if (process.env.EDGEMIX_DEBUG) console.error(err?.stack)
  }
  process.exitCode = 1
})
