// The results table and the number formats of the bench's output.

/** A time for notes and targets, in ms (two decimals below 10 ms). */
export const ms = (ns) => `${(ns / 1e6).toFixed(ns < 1e7 ? 2 : 1)} ms`

export const fmtNs = (ns) => (ns == null || Number.isNaN(ns) ? '—' : Math.round(ns).toLocaleString('en-US'))
export const fmtUs = (ns) => (ns == null ? '—' : `${(ns / 1000).toFixed(2)} µs`)
export const fmtMs = (ns) => (ns == null || Number.isNaN(ns) ? '—' : `${(ns / 1e6).toFixed(1)} ms`)
export const fmtBytes = (b) => (b == null || Number.isNaN(b) ? '—' : `${(b / 1024).toFixed(1)} KiB`)
export const fmtRatio = (x) => (x == null ? '' : x < 1 ? `${x.toFixed(2)}× (${(1 / x).toFixed(1)}× faster)` : `${x.toFixed(2)}× (${x.toFixed(1)}× slower)`)

export function printTable(sections, results, derived, targets, ratios = []) {
  const header = ['Contender', 'p50 ns', 'mean ns', 'p99 ns', 'rounds min–max', 'ours/peer']
  const lines = []
  for (const s of sections) {
    lines.push({ title: s.title })
    if (s.error) lines.push({ cells: [`  skipped: ${s.error}`, '', '', '', '', ''] })
    for (const row of s.rows ?? []) {
      const peer = row.compareTo && results.get(row.compareTo)
      // Throughput rows compare wall time per frame (mean); the others compare p50.
      const ratio = peer ? (row.unit === 'throughput' ? row.mean / peer.mean : row.p50 / peer.p50) : null
      // Memory rows (unit 'bytes') print KiB; rows with display 'ms' (loads) ms; others ns.
      const cell = row.unit === 'bytes' ? fmtBytes : row.unit === 'count' ? (x) => (x == null ? '' : String(x)) : row.display === 'ms' ? fmtMs : fmtNs
      lines.push({
        cells: [
          `  ${row.label}`,
          row.unit === 'throughput' ? `(${fmtNs(row.p50)})` : cell(row.p50),
          cell(row.mean),
          cell(row.p99),
          row.rounds?.length > 1 ? `${cell(Math.min(...row.rounds))}–${cell(Math.max(...row.rounds))}` : '',
          fmtRatio(ratio) + (ratio != null && row.peerName ? ` vs ${row.peerName}` : ''),
        ],
        note: row.note,
      })
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...lines.filter((l) => l.cells).map((l) => l.cells[i].length)))
  const fmt = (cells) => cells.map((c, i) => (i === 0 || i === 5 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd()
  const rule = '─'.repeat(widths.reduce((a, b) => a + b + 2, -2))
  console.log(`\n${fmt(header)}\n${rule}`)
  for (const l of lines) {
    if (l.title) console.log(l.title)
    else console.log(fmt(l.cells) + (l.note ? `\n${' '.repeat(4)}↳ ${l.note}` : ''))
  }
  console.log(rule)
  console.log(
    [
      'ns per 960-sample (20 ms) frame = per call. Each row is the median of the rounds (by p50; by mean for throughput',
      'rows); "rounds min–max" is that statistic\'s spread. Ratios < 1: ours is faster. Throughput rows: mean = wall time',
      'per frame (the ratio uses it), p50/p99 = per-call latency with the other calls in flight.',
      'ours/peer: vs pedalboard unless another peer is named. WASM rows: ns per call, per load or per created',
      'session as labelled (ms or KiB where the cell says so); their peer is the same .wasm run by V8.',
      'Analysis rows: MFCC in ns per 960-sample frame (per call when streaming, amortised over 60 s in batch);',
      'loudness in ms per 60 s call.',
    ].join('\n'),
  )
  if (derived.length) {
    console.log('\nDerived')
    for (const d of derived) console.log(`  ${d.label}: ${fmtNs(d.ns)} ns (${fmtUs(d.ns)})`)
  }
  if (ratios.length) {
    console.log('\nRatios (ours / reference; p50, or mean for throughput rows)')
    for (const q of ratios) console.log(`  ${q.label}: ${fmtRatio(q.ratio)}`)
  }
  console.log('\nTargets (reported, not enforced)')
  for (const t of targets) {
    const verdict = t.value == null ? 'n/a (not measured)' : t.met ? 'MET' : 'NOT MET'
    console.log(`  [${verdict}] ${t.label}: ${t.value == null ? '—' : t.format(t.value)}`)
  }
}
