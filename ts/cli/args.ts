/**
 * Command-line plumbing shared by the commands: option parsing with `--help`, usage
 * errors and coded errors (each reported by the dispatcher as one line).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'

/** A mistake in how the command was called; the dispatcher prints it with a pointer to --help. */
export class UsageError extends Error {}

/** An Error with a stable `code` (one of ErrorCode, or a CLI-specific one). */
export function coded(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code })
}

type Options = NonNullable<ParseArgsConfig['options']>

/** The parsed values: a string for `type: 'string'` options, a boolean for flags. */
export type Values<O extends Options> = { [K in keyof O]?: O[K] extends { type: 'string' } ? string : boolean }

/**
 * Parses `argv`; prints `usage` and returns undefined for `-h`/`--help`.
 * Unknown options, missing values and stray arguments are usage errors.
 */
export function parse<O extends Options>(
  argv: string[],
  options: O,
  usage: string,
  positionals: { min: number; max: number },
): { values: Values<O>; positionals: string[] } | undefined {
  // `--loudness -16`: a string option's value may be a negative number, which parseArgs
  // would take for an option; pass it as `--loudness=-16`.
  const args: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].startsWith('--') ? argv[i].slice(2) : Object.keys(options).find((k) => argv[i] === `-${options[k].short}`)
    if (name && options[name]?.type === 'string' && /^-\d/.test(argv[i + 1] ?? '')) args.push(`--${name}=${argv[++i]}`)
    else args.push(argv[i])
  }
  let parsed
  try {
    parsed = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true })
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0])
  }
  if ((parsed.values as { help?: boolean }).help) {
    console.log(usage)
    return undefined
  }
  const n = parsed.positionals.length
  if (n < positionals.min) throw new UsageError(`missing ${positionals.min === 1 ? 'the input file' : 'arguments'}`)
  if (n > positionals.max) throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[positionals.max])}`)
  return { values: parsed.values as Values<O>, positionals: parsed.positionals }
}

/** A number flag within [min, max]. */
export function numberFlag(name: string, value: string, min: number, max: number): number {
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a number from ${min} to ${max}, received ${JSON.stringify(value)}`)
  }
  return n
}

/** One of `choices`. */
export function choiceFlag<T extends string>(name: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}, received ${JSON.stringify(value)}`)
  }
  return value as T
}
