/**
 * Prometheus text exposition format (version 0.0.4): `# HELP`, `# TYPE` and one line per
 * sample, label values escaped as the format requires.
 */

export type Labels = Record<string, string>

export interface Sample {
  /** Suffix added to the family name (`_bucket`, `_sum`, `_count`) or ''. */
  suffix?: string
  labels: Labels
  value: number
}

export interface Family {
  name: string
  help: string
  type: 'counter' | 'gauge' | 'summary' | 'histogram'
  samples: Sample[]
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN'
  if (v === Infinity) return '+Inf'
  if (v === -Infinity) return '-Inf'
  return String(v)
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels)
  if (entries.length === 0) return ''
  return `{${entries.map(([k, v]) => `${k}="${escapeLabel(String(v))}"`).join(',')}}`
}

/** The text of `families`, ending with a newline. */
export function render(families: Family[]): string {
  const lines: string[] = []
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`)
    for (const s of f.samples) lines.push(`${f.name}${s.suffix ?? ''}${formatLabels(s.labels)} ${formatValue(s.value)}`)
  }
  return lines.join('\n') + '\n'
}

/** A cumulative histogram with fixed upper bounds. */
export class Histogram {
  private readonly counts: number[]
  private sum = 0
  private count = 0

  constructor(readonly bounds: readonly number[]) {
    this.counts = bounds.map(() => 0)
  }

  observe(value: number): void {
    this.sum += value
    this.count++
    const i = this.bounds.findIndex((b) => value <= b)
    if (i >= 0) this.counts[i]++
  }

  get total(): number {
    return this.count
  }

  get mean(): number {
    return this.count ? this.sum / this.count : 0
  }

  /** The `_bucket` (cumulative, with `le`), `_sum` and `_count` samples, with `labels` on each. */
  family(name: string, help: string, labels: Labels = {}): Family {
    let cumulative = 0
    const samples: Sample[] = this.bounds.map((b, i) => {
      cumulative += this.counts[i]
      return { suffix: '_bucket', labels: { ...labels, le: String(b) }, value: cumulative }
    })
    samples.push(
      { suffix: '_bucket', labels: { ...labels, le: '+Inf' }, value: this.count },
      { suffix: '_sum', labels, value: this.sum },
      { suffix: '_count', labels, value: this.count },
    )
    return { name, help, type: 'histogram', samples }
  }
}
