// The demo page: fetches the server configuration and mixer.wasm, renders a signal
// through the AudioWorklet in an OfflineAudioContext (deterministic), and draws input vs
// output and the gain. The last result is kept in `window.edgemix.result` (the e2e test
// compares it against the native chain).

const SAMPLE_RATE = 48000
const SECONDS = 3
const WINDOW = 960 // 20 ms

const $ = (id) => document.getElementById(id)
const status = (text) => ($('status').textContent = text)

/** Deterministic white noise in [-1, 1) (xorshift32). */
function noise(length, seed) {
  let s = seed >>> 0 || 1
  const out = new Float32Array(length)
  for (let i = 0; i < length; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0
    out[i] = (s / 2 ** 32) * 2 - 1
  }
  return out
}

/** The generated signals: things the gate, compressor and limiter visibly act on. */
const SIGNALS = {
  // Voiced syllables (a 140 Hz pulse train's harmonics weighted by two vowel formants
  // near 700 and 1200 Hz) at 4 per second, a shouted passage and pauses of near silence.
  speech(n) {
    const hiss = noise(n, 7)
    const formant = (f) => Math.exp(-(((f - 700) / 250) ** 2)) + 0.6 * Math.exp(-(((f - 1200) / 300) ** 2)) + 0.15
    const harmonics = Array.from({ length: 20 }, (_, k) => ({ f: 140 * (k + 1), a: formant(140 * (k + 1)) / 4 }))
    return hiss.map((h, i) => {
      const t = i / SAMPLE_RATE
      const inPause = Math.floor(t * 2) % 3 === 2
      const level = inPause ? 0 : (t > 1.6 && t < 2.2 ? 0.6 : 0.1) * Math.max(0, Math.sin(8 * Math.PI * t))
      const voice = harmonics.reduce((sum, { f, a }) => sum + a * Math.sin(2 * Math.PI * f * t), 0)
      return level * voice + 0.001 * h
    })
  },
  drums(n) {
    const hit = noise(n, 11)
    const bed = noise(n, 3)
    const x = new Float32Array(n)
    for (let i = 0; i < n; i++) {
      const t = i / SAMPLE_RATE
      const beat = t % 0.375
      const accent = Math.floor(t / 0.375) % 4 === 0 ? 1.6 : 0.7
      x[i] = accent * Math.exp(-beat * 30) * (0.6 * Math.sin(2 * Math.PI * 60 * beat) + 0.4 * hit[i]) + 0.02 * bed[i]
    }
    return x
  },
}

let assets // { module, config, latency }

async function loadAssets() {
  const [configRes, wasmRes] = await Promise.all([fetch('config'), fetch('wasm')])
  if (!configRes.ok || !wasmRes.ok) throw new Error(`GET /config ${configRes.status}, GET /wasm ${wasmRes.status}`)
  const config = await configRes.json()
  const latency = Number(configRes.headers.get('x-edgemix-latency-samples'))
  const module = await WebAssembly.compileStreaming(wasmRes)
  return { module, config, latency }
}

/** Mono samples of an uploaded file at 48 kHz (decodeAudioData resamples). */
async function decodeFile(file) {
  const ctx = new OfflineAudioContext(1, 1, SAMPLE_RATE)
  const audio = await ctx.decodeAudioData(await file.arrayBuffer())
  const x = new Float32Array(audio.length)
  for (let c = 0; c < audio.numberOfChannels; c++) {
    const ch = audio.getChannelData(c)
    for (let i = 0; i < x.length; i++) x[i] += ch[i] / audio.numberOfChannels
  }
  return x
}

/** Renders `input` through mixer.wasm in an AudioWorklet; resolves to the output samples. */
async function render(input) {
  const ctx = new OfflineAudioContext(1, input.length, SAMPLE_RATE)
  await ctx.audioWorklet.addModule('mixer-worklet.js')
  const encoder = new TextEncoder()
  const node = new AudioWorkletNode(ctx, 'edgemix-mixer', {
    numberOfInputs: 1,
    numberOfOutputs: 1,
    outputChannelCount: [1],
    channelCount: 1,
    channelCountMode: 'explicit',
    processorOptions: {
      module: assets.module,
      sessionId: encoder.encode('browser\0'),
      configJson: encoder.encode(JSON.stringify(assets.config)),
    },
  })
  let failure = null
  node.port.onmessage = (e) => (failure = e.data.error)
  node.onprocessorerror = () => (failure = 'the worklet processor failed')
  const buffer = ctx.createBuffer(1, input.length, SAMPLE_RATE)
  buffer.copyToChannel(input, 0)
  const source = new AudioBufferSourceNode(ctx, { buffer })
  source.connect(node).connect(ctx.destination)
  source.start(0)
  const rendered = await ctx.startRendering()
  if (failure) throw new Error(failure)
  return rendered.getChannelData(0).slice()
}

const dbOf = (x) => 10 * Math.log10(Math.max(x, 1e-12))

/** Output − input level per 20 ms window, dB, the output shifted back by the latency. */
function gainPerWindow(input, output, latency) {
  const gains = []
  for (let start = 0; start + WINDOW + latency <= output.length; start += WINDOW) {
    let ein = 0, eout = 0
    for (let i = start; i < start + WINDOW; i++) {
      ein += input[i] * input[i]
      eout += output[i + latency] * output[i + latency]
    }
    gains.push(ein / WINDOW < 1e-8 ? null : dbOf(eout / WINDOW) - dbOf(ein / WINDOW))
  }
  return gains
}

function drawWave(canvas, input, output) {
  const g = canvas.getContext('2d')
  const { width: w, height: h } = canvas
  g.clearRect(0, 0, w, h)
  g.strokeStyle = '#e3e6ec'
  g.beginPath(); g.moveTo(0, h / 2); g.lineTo(w, h / 2); g.stroke()
  const per = input.length / w
  for (const [x, color] of [[input, '#b7bfcc'], [output, '#2f5bd3']]) {
    g.fillStyle = color
    for (let px = 0; px < w; px++) {
      let lo = 0, hi = 0
      for (let i = Math.floor(px * per); i < Math.floor((px + 1) * per); i++) {
        lo = Math.min(lo, x[i]); hi = Math.max(hi, x[i])
      }
      const y0 = h / 2 - (hi * h) / 2, y1 = h / 2 - (lo * h) / 2
      g.fillRect(px, y0, 1, Math.max(1, y1 - y0))
    }
  }
}

function drawGain(canvas, gains) {
  const g = canvas.getContext('2d')
  const { width: w, height: h } = canvas
  const top = 12, bottom = -48 // dB
  const y = (db) => ((top - Math.max(bottom, Math.min(top, db))) / (top - bottom)) * h
  g.clearRect(0, 0, w, h)
  g.font = '11px system-ui'
  for (let db = top; db >= bottom; db -= 12) {
    g.strokeStyle = db === 0 ? '#9aa3b5' : '#e3e6ec'
    g.beginPath(); g.moveTo(28, y(db)); g.lineTo(w, y(db)); g.stroke()
    g.fillStyle = '#6b7487'
    g.fillText(`${db > 0 ? '+' : ''}${db}`, 2, Math.min(h - 2, Math.max(10, y(db) + 4)))
  }
  g.strokeStyle = '#d35a2f'
  g.lineWidth = 2
  g.beginPath()
  let pen = false
  gains.forEach((db, i) => {
    const px = 28 + ((w - 28) * (i + 0.5)) / gains.length
    if (db === null) return (pen = false)
    pen ? g.lineTo(px, y(db)) : g.moveTo(px, y(db))
    pen = true
  })
  g.stroke()
}

async function run() {
  $('run').disabled = true
  $('play').disabled = true
  try {
    const file = $('file').files[0]
    status(file ? `decoding ${file.name}…` : 'generating…')
    const input = file ? await decodeFile(file) : SIGNALS[$('signal').value](SAMPLE_RATE * SECONDS)
    status('rendering through mixer.wasm…')
    const t0 = performance.now()
    const output = await render(input)
    const ms = performance.now() - t0
    drawWave($('wave'), input, output)
    const gains = gainPerWindow(input, output, assets.latency)
    drawGain($('gain'), gains)
    const peak = (x) => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0)
    const valid = gains.filter((x) => x !== null)
    $('summary').textContent =
      `${(input.length / SAMPLE_RATE).toFixed(2)} s rendered in ${ms.toFixed(0)} ms; ` +
      `peak ${(20 * Math.log10(peak(input))).toFixed(1)} → ${(20 * Math.log10(peak(output))).toFixed(1)} dBFS; ` +
      `gain ${Math.min(...valid).toFixed(1)} to ${Math.max(...valid).toFixed(1)} dB; latency ${assets.latency} samples`
    window.edgemix.result = { input, output, config: assets.config }
    status('done')
  } catch (err) {
    status(`failed: ${err.message}`)
    throw err
  } finally {
    $('run').disabled = false
    $('play').disabled = !window.edgemix.result
  }
}

function play() {
  const { output } = window.edgemix.result
  const ctx = new AudioContext({ sampleRate: SAMPLE_RATE })
  const buffer = ctx.createBuffer(1, output.length, SAMPLE_RATE)
  buffer.copyToChannel(output, 0)
  const source = new AudioBufferSourceNode(ctx, { buffer })
  source.connect(ctx.destination)
  source.onended = () => ctx.close()
  source.start()
}

window.edgemix = { result: null, run }
$('run').addEventListener('click', () => run().catch(() => {}))
$('play').addEventListener('click', play)
loadAssets().then(
  (a) => {
    assets = a
    status('ready')
  },
  (err) => status(`failed to load: ${err.message}`),
)
