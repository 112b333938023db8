// Every bench section, in run order, with the derived numbers, ratios and targets of each
// group. A group file exports `sections` and, where it has them, `derived`, `ratios` and
// `targets` (see bench/README.md, "Adding a benchmark").
import * as analysis from './analysis.mjs'
import * as cloud from './cloud.mjs'
import * as genre from './genre.mjs'
import * as http from './http.mjs'
import * as hybrid from './hybrid.mjs'
import * as mixer from './mixer.mjs'
import * as silero from './silero.mjs'
import * as vad from './vad.mjs'
import * as wasm from './wasm.mjs'

const GROUPS = [mixer, wasm, analysis, vad, genre, silero, cloud, hybrid, http]

export const SECTIONS = GROUPS.flatMap((g) => g.sections)
/** Derived numbers: (results) => { id, label, ns } | undefined when an input is missing. */
export const DERIVED = GROUPS.flatMap((g) => g.derived ?? [])
/** Ratios printed in their own block (ours / reference, on p50; mean for throughput rows),
 *  beyond the ratio column: { id, label, of, to }. */
export const RATIOS = GROUPS.flatMap((g) => g.ratios ?? [])
/** Targets: value(results, derived, ratios) in ns (or in `unit`), undefined when not measured. */
export const TARGETS = GROUPS.flatMap((g) => g.targets ?? [])
