// The Silero VAD section (the cloud VAD node): tract vs onnxruntime, same network.
import { mkdirSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import { lastJson, run } from '../lib/child.mjs'
import { BENCH_DIR } from '../lib/paths.mjs'
import { ensureVenv, VENV_PYTHON } from '../lib/venv.mjs'
import { VAD_CONDITIONS } from './vad.mjs'

const ORT = 'onnxruntime (Python)'

async function sileroSection(ctx) {
  await ensureVenv()
  // Both print JSON {condition: {accuracy, usPerFrame}} over the four mixes of the
  // labelled set; the peer reads them as written by the vad_conditions example.
  const ours = JSON.parse((await run('cargo', ['run', '--release', '-q', '--example', 'bench_silero', '-p', 'edgemix-silero'])).trim())
  const dir = path.join(os.tmpdir(), `edgemix-silero-${process.pid}`)
  mkdirSync(dir, { recursive: true })
  ctx.tempFiles.push(dir)
  await run('cargo', ['run', '--release', '-q', '-p', 'edgemix-dsp', '--example', 'vad_conditions', '--', dir])
  const peer = lastJson(await run(VENV_PYTHON, [path.join(BENCH_DIR, 'peer_silero.py'), dir]))
  const rows = []
  for (const c of VAD_CONDITIONS) {
    const us = (x) => ({ p50: x * 1000, mean: x * 1000 })
    rows.push({
      id: `silero.tract.${c}`,
      label: `Silero VAD in tract, ${c.replace('_', ' ')}: accuracy ${ours[c].accuracy.toFixed(3)}`,
      ...us(ours[c].usPerFrame),
      compareTo: `silero.ort.${c}`,
      peerName: ORT,
      note: 'SileroVad per 20 ms frame at 48 kHz (48k→16k polyphase front end, one 32 ms network call per 1.6 frames)',
    })
    rows.push({
      id: `silero.ort.${c}`,
      label: `Silero VAD in onnxruntime, ${c.replace('_', ' ')}: accuracy ${peer[c].accuracy.toFixed(3)}`,
      ...us(peer[c].usPerFrame),
      note: "same ONNX file, driven like silero-vad's OnnxWrapper (x[::3] decimation, one thread)",
    })
  }
  return { rows, extra: { silero: { ours, peer } } }
}

export const sections = [
  { id: 'silero', title: 'Silero VAD (cloud VAD node): tract vs onnxruntime on the labelled set', run: sileroSection },
]
