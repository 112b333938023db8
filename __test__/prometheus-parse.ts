/**
 * A strict reader of the Prometheus text exposition format 0.0.4, written from the
 * format's specification (prometheus.io/docs/instrumenting/exposition_formats): it
 * throws on anything a Prometheus server would refuse, so a test that parses our
 * metrics() output checks that the text is valid.
 *
 * Checked: line syntax (HELP/TYPE comments, samples `name{labels} value [timestamp]`),
 * metric and label name grammar, label value escapes (\\, \", \n only), Go float values,
 * one HELP and one TYPE per family given before its samples, a family's samples
 * contiguous, no duplicate series, summary samples only `name{quantile}`, `name_sum`,
 * `name_count` (quantile in 0..1), counters non-negative, a final newline.
 */
export interface ParsedSample {
  name: string
  labels: Record<string, string>
  value: number
}

export interface ParsedFamily {
  name: string
  help?: string
  type: string
  samples: ParsedSample[]
}

const METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped'])

function parseValue(text: string, line: number): number {
  if (text === '+Inf' || text === 'Inf') return Infinity
  if (text === '-Inf') return -Infinity
  if (text === 'NaN') return NaN
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw new Error(`line ${line}: bad value ${JSON.stringify(text)}`)
  return Number(text)
}

function parseLabels(text: string, line: number): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {}
  let i = 0
  for (;;) {
    while (text[i] === ' ') i++
    if (text[i] === '}') return { labels, rest: text.slice(i + 1) }
    const eq = text.indexOf('=', i)
    if (eq < 0) throw new Error(`line ${line}: label without '='`)
    const name = text.slice(i, eq).trim()
    if (!LABEL.test(name) || name.startsWith('__')) throw new Error(`line ${line}: bad label name ${JSON.stringify(name)}`)
    if (name in labels) throw new Error(`line ${line}: label ${name} repeated`)
    if (text[eq + 1] !== '"') throw new Error(`line ${line}: label value of ${name} is not quoted`)
    let value = ''
    let j = eq + 2
    for (;;) {
      const c = text[j]
      if (c === undefined) throw new Error(`line ${line}: unterminated label value`)
      if (c === '"') break
      if (c === '\\') {
        const e = text[j + 1]
        if (e === '\\') value += '\\'
        else if (e === '"') value += '"'
        else if (e === 'n') value += '\n'
        else throw new Error(`line ${line}: bad escape \\${e}`)
        j += 2
        continue
      }
      if (c === '\n') throw new Error(`line ${line}: raw newline in a label value`)
      value += c
      j++
    }
    labels[name] = value
    i = j + 1
    while (text[i] === ' ') i++
    if (text[i] === ',') i++
    else if (text[i] !== '}') throw new Error(`line ${line}: expected ',' or '}' after label ${name}`)
  }
}

function familyOf(sample: string, families: Map<string, ParsedFamily>): ParsedFamily | undefined {
  for (const suffix of ['', '_sum', '_count', '_bucket']) {
    if (suffix && !sample.endsWith(suffix)) continue
    const f = families.get(sample.slice(0, sample.length - suffix.length))
    if (f && (suffix === '' || f.type === 'summary' || f.type === 'histogram')) return f
  }
  return undefined
}

export function parsePrometheus(text: string): Map<string, ParsedFamily> {
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('the text must end with a newline')
  const families = new Map<string, ParsedFamily>()
  const finished = new Set<string>()
  const series = new Set<string>()
  let current: ParsedFamily | undefined
  const lines = text.split('\n').slice(0, -1)
  lines.forEach((raw, k) => {
    const line = k + 1
    if (raw.trim() === '') return
    if (raw.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw)
      if (!m) return // other comments are allowed
      const [, kind, name, rest] = m
      if (!METRIC.test(name)) throw new Error(`line ${line}: bad metric name ${name}`)
      let f = families.get(name)
      if (f && f.samples.length > 0) throw new Error(`line ${line}: ${kind} of ${name} after its samples`)
      if (!f) {
        if (finished.has(name)) throw new Error(`line ${line}: family ${name} given twice`)
        f = { name, type: 'untyped', samples: [] }
        families.set(name, f)
      }
      if (current && current !== f) finished.add(current.name)
      current = f
      if (kind === 'HELP') {
        if (f.help !== undefined) throw new Error(`line ${line}: second HELP for ${name}`)
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ''))) throw new Error(`line ${line}: bad escape in HELP`)
        f.help = rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\')
      } else {
        if (!TYPES.has(rest)) throw new Error(`line ${line}: unknown type ${rest}`)
        if ((f as { typed?: boolean }).typed) throw new Error(`line ${line}: second TYPE for ${name}`)
        ;(f as { typed?: boolean }).typed = true
        f.type = rest
      }
      return
    }
    const nameEnd = raw.search(/[{ ]/)
    if (nameEnd <= 0) throw new Error(`line ${line}: no value`)
    const name = raw.slice(0, nameEnd)
    if (!METRIC.test(name)) throw new Error(`line ${line}: bad metric name ${name}`)
    let labels: Record<string, string> = {}
    let rest = raw.slice(nameEnd)
    if (rest.startsWith('{')) ({ labels, rest } = parseLabels(rest.slice(1), line))
    const parts = rest.trim().split(/ +/)
    if (parts.length < 1 || parts.length > 2 || parts[0] === '') throw new Error(`line ${line}: expected a value and an optional timestamp`)
    const value = parseValue(parts[0], line)
    if (parts.length === 2 && !/^-?\d+$/.test(parts[1])) throw new Error(`line ${line}: bad timestamp`)
    const f = familyOf(name, families)
    if (!f) throw new Error(`line ${line}: sample ${name} has no TYPE before it`)
    if (f !== current) throw new Error(`line ${line}: samples of ${f.name} are not contiguous`)
    if (f.type === 'summary') {
      if (name === f.name) {
        const q = labels.quantile
        if (q === undefined) throw new Error(`line ${line}: summary sample without quantile`)
        const qv = parseValue(q, line)
        if (!(qv >= 0 && qv <= 1)) throw new Error(`line ${line}: quantile ${q} outside 0..1`)
      } else if (!name.endsWith('_sum') && !name.endsWith('_count')) {
        throw new Error(`line ${line}: ${name} is not a summary sample`)
      }
    }
    if (f.type === 'counter' && !(value >= 0)) throw new Error(`line ${line}: counter ${name} = ${value}`)
    const key = `${name}{${Object.keys(labels).sort().map((l) => `${l}=${JSON.stringify(labels[l])}`).join(',')}}`
    if (series.has(key)) throw new Error(`line ${line}: duplicate series ${key}`)
    series.add(key)
    f.samples.push({ name, labels, value })
  })
  return families
}
