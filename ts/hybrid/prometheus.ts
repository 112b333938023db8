/**
 * Prometheus text exposition format 0.0.4: one `# HELP` and `# TYPE` line per family,
 * then its samples; label values escaped (\\, \", \n); values as Go floats (+Inf, NaN).
 */
export type MetricType = 'counter' | 'gauge' | 'summary'

export interface Sample {
  /** Suffix added to the family name (`_sum`, `_count`) or ''. */
  suffix?: string
  labels: Record<string, string>
  value: number
}

export interface Family {
  name: string
  help: string
  type: MetricType
  samples: Sample[]
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN'
  if (v === Infinity) return '+Inf'
  if (v === -Infinity) return '-Inf'
  return String(v)
}

/** Renders families (each name once) as exposition text. */
export function render(families: Family[]): string {
  let out = ''
  for (const f of families) {
    out += `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`
    for (const s of f.samples) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
        .join(',')
      out += `${f.name}${s.suffix ?? ''}${labels ? `{${labels}}` : ''} ${formatValue(s.value)}\n`
    }
  }
  return out
}
