// The VAD section: edgemix's Vad vs WebRTC VAD (fvad) on the labelled set.
import { run } from '../lib/child.mjs'

const FVAD = '@echogarden/fvad-wasm'
export const VAD_CONDITIONS = ['pink_20dB', 'pink_5dB', 'music_20dB', 'music_5dB']

async function vadSection() {
  // Both print multi-line JSON {condition: {accuracy, usPerFrame}} over the same mixes
  // (vad_peer.mjs writes them with the cargo example vad_conditions).
  const ours = JSON.parse((await run('cargo', ['run', '--release', '-q', '--example', 'bench_vad', '-p', 'edgemix-dsp'])).trim())
  const fvad = JSON.parse((await run('node', ['bench/vad_peer.mjs'])).trim())
  const rows = []
  for (const c of VAD_CONDITIONS) {
    const us = (x) => ({ p50: x * 1000, mean: x * 1000 })
    rows.push({
      id: `vad.ours.${c}`,
      label: `edgemix Vad, ${c.replace('_', ' ')}: accuracy ${ours[c].accuracy.toFixed(3)}`,
      accuracy: ours[c].accuracy,
      ...us(ours[c].usPerFrame),
      compareTo: `vad.fvad.${c}`,
      peerName: FVAD,
      note: 'native, per 20 ms frame at 48 kHz (includes the 48k→16k front end); frame accuracy on the committed labelled set',
    })
    rows.push({
      id: `vad.fvad.${c}`,
      label: `fvad (WebRTC VAD) mode ${fvad[c].mode}, ${c.replace('_', ' ')}: accuracy ${fvad[c].accuracy.toFixed(3)}`,
      ...us(fvad[c].usPerFrame),
      note: `WASM in V8; accuracy by mode ${JSON.stringify(fvad[c].accuracyByMode)}`,
    })
  }
  return { rows, extra: { vad: { ours, fvad } } }
}

export const sections = [
  { id: 'vad', title: 'VAD: edgemix vs WebRTC VAD (fvad) on the labelled set', run: vadSection },
]

export const targets = [
  // VAD accuracy targets, as error rates (1 − frame accuracy) so that lower is better.
  ...['pink_20dB', 'music_20dB', 'pink_5dB', 'music_5dB'].map((c) => {
    const floor = c.endsWith('20dB') ? 0.93 : 0.85
    return {
      label: `VAD frame accuracy ≥ ${floor}, ${c.replace('_', ' ')}`,
      limit: 1 - floor,
      unit: 'ratio',
      format: (x) => `accuracy ${(1 - x).toFixed(3)}`,
      value: (r) => r(`vad.ours.${c}`) && 1 - r(`vad.ours.${c}`).accuracy,
    }
  }),
]
