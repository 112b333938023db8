// The VAD section: edgemix's Vad vs WebRTC VAD (fvad) on the labelled set and on
// held-out speech.
import { run } from '../lib/child.mjs'

const FVAD = '@echogarden/fvad-wasm'
export const VAD_CONDITIONS = ['pink_20dB', 'pink_5dB', 'music_20dB', 'music_5dB']
// Held-out speech (Festival voices, pytest-audioeval recordings) in pink noise and band
// beds (crates/dsp/tests/vad_set/signals.rs HELDOUT_CONDITIONS).
const VAD_HELDOUT = ['pink', 'band_a', 'band_b', 'drums', 'melody_low', 'melody'].flatMap((b) => [`${b}_20dB`, `${b}_5dB`])

async function vadSection() {
  // Both print multi-line JSON {condition: {accuracy, tpRate, fpRate, …, usPerFrame}} over
  // the same mixes (vad_peer.mjs writes them with the cargo example vad_conditions).
  const cargoVad = async (set) =>
    JSON.parse((await run('cargo', ['run', '--release', '-q', '--example', 'bench_vad', '-p', 'edgemix-dsp', '--', ...set])).trim())
  const peer = async (set) => JSON.parse((await run('node', ['bench/vad_peer.mjs', ...set.map((s) => `--set=${s}`)])).trim())
  const sets = [
    { key: '', set: [], conditions: VAD_CONDITIONS, what: 'the committed labelled set (espeak-ng)' },
    { key: 'heldout.', set: ['heldout'], conditions: VAD_HELDOUT, what: 'held-out speech (Festival, pytest-audioeval)' },
  ]
  const rows = []
  const extra = {}
  for (const { key, set, conditions, what } of sets) {
    const ours = await cargoVad(set)
    const fvad = await peer(set)
    extra[key || 'labelled'] = { ours, fvad }
    const confusion = (x) => `TP ${x.tpRate.toFixed(3)}, FN ${x.fnRate.toFixed(3)}, FP ${x.fpRate.toFixed(3)}, TN ${x.tnRate.toFixed(3)}`
    for (const c of conditions) {
      const us = (x) => ({ p50: x * 1000, mean: x * 1000 })
      rows.push({
        id: `vad.ours.${key}${c}`,
        label: `edgemix Vad, ${key ? 'held-out ' : ''}${c.replace(/_(\d+dB)$/, ' $1')}: accuracy ${ours[c].accuracy.toFixed(3)}`,
        accuracy: ours[c].accuracy,
        ...us(ours[c].usPerFrame),
        compareTo: `vad.fvad.${key}${c}`,
        peerName: FVAD,
        note: `native, per 20 ms frame at 48 kHz (includes the 48k→16k front end); ${what}; ${confusion(ours[c])}`,
      })
      rows.push({
        id: `vad.fvad.${key}${c}`,
        label: `fvad (WebRTC VAD) mode ${fvad[c].mode}, ${key ? 'held-out ' : ''}${c.replace(/_(\d+dB)$/, ' $1')}: accuracy ${fvad[c].accuracy.toFixed(3)}`,
        accuracy: fvad[c].accuracy,
        ...us(fvad[c].usPerFrame),
        note: `WASM in V8; ${confusion(fvad[c])}; accuracy by mode ${JSON.stringify(fvad[c].accuracyByMode)}`,
      })
    }
  }
  return { rows, extra: { vad: extra } }
}

export const sections = [
  { id: 'vad', title: 'VAD: edgemix vs WebRTC VAD (fvad) on the labelled set and held-out speech', run: vadSection },
]

export const targets = [
  // VAD accuracy targets, as error rates (1 − frame accuracy) so that lower is better.
  ...[...VAD_CONDITIONS.map((c) => [c, 0.93, 0.85]), ...VAD_HELDOUT.map((c) => [`heldout.${c}`, 0.95, 0.9])].map(([c, at20, at5]) => {
    const floor = c.endsWith('20dB') ? at20 : at5
    return {
      label: `VAD frame accuracy ≥ ${floor}, ${c.replace('heldout.', 'held-out ').replace(/_(\d+dB)$/, ' $1')}`,
      limit: 1 - floor,
      unit: 'ratio',
      format: (x) => `accuracy ${(1 - x).toFixed(3)}`,
      value: (r) => r(`vad.ours.${c}`) && 1 - r(`vad.ours.${c}`).accuracy,
    }
  }),
]
