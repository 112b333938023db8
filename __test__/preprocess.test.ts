// Beyond audio: text_normalize.wasm / TextNormalize and image_preprocess.wasm /
// ImagePreprocess, one Rust source (crates/preprocess) at the edge (WasmEdgeNode) and in
// the cloud (startServer on 127.0.0.1, ephemeral port), alone and through a hybrid proxy
// that sends inputs to both sides. References: Node's own String.prototype.normalize and
// toLowerCase with a \p{White_Space} split for text; for images, PNGs written by pngjs
// and a bilinear resize (half-pixel centres) computed here in float64.
import { deflateSync, crc32 } from 'node:zlib'
import { join } from 'node:path'
import { PNG } from 'pngjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CloudClient, HybridProcessingClient, WasmEdgeNode, startServer } from '../dist/index.js'
import type { CloudServer } from '../dist/index.js'

const mod = (name: string) => join(__dirname, '..', 'wasm-modules', 'dist', name)

async function rejection(p: Promise<unknown>) {
  return p.then(
    () => { throw new Error('expected a rejection') },
    (e: Error & { code?: string }) => e,
  )
}

let server: CloudServer
let cloud: CloudClient
let hybrid: HybridProcessingClient
beforeAll(async () => {
  server = await startServer({ host: '127.0.0.1', port: 0 })
  cloud = new CloudClient({ endpoints: [`http://127.0.0.1:${server.port}`], timeoutMs: 10_000 })
  hybrid = new HybridProcessingClient({ endpoints: [`http://127.0.0.1:${server.port}`], timeoutMs: 10_000 })
})
afterAll(async () => {
  await hybrid.close()
  await cloud.close()
  await server.close()
})

// ---- text -------------------------------------------------------------------------

const SAMPLES = [
  'Ｈｅｌｌｏ　ＷＯＲＬＤ！ ﬁne ﬂour',
  'x² + y³ = ½ ㎏ ① Ⅻ',
  'Café\u0301 naïve\u00a0résumé ΣΊΣΥΦΟΣ ὈΔΥΣΣΕΎΣ',
  '  tabs\tand\nnew\r\nlines\u2003em\u3000ideographic  ',
  'ｶﾀｶﾅ ﾊﾟﾋﾟ ㌔ 𝐀𝐁𝐂 𝟙𝟚𝟛',
  '',
]

function textReference(s: string, split: 'whitespace' | 'none' = 'whitespace') {
  const text = s.normalize('NFKC').toLowerCase()
  return { text, tokens: split === 'none' ? [] : text.split(/\p{White_Space}+/u).filter((t) => t !== '') }
}

describe('text: text_normalize.wasm and TextNormalize', () => {
  it('match String.prototype.normalize("NFKC").toLowerCase() and a White_Space split, edge and cloud', async () => {
    const sessions = await Promise.all(['text_normalize.wasm', 'text_normalize.wasip1.wasm'].map(async (f) => (await WasmEdgeNode.load(mod(f))).createSession()))
    const node = await WasmEdgeNode.load(mod('text_normalize.wasm'))
    expect(node.describe()).toMatchObject({ name: 'text_normalize', input: 'bytes', output: 'json' })
    for (const s of SAMPLES) {
      const expected = textReference(s)
      for (const session of sessions) expect(await session.process(Buffer.from(s)), JSON.stringify(s)).toEqual(expected)
      const viaBytes = (await cloud.execute('TextNormalize', {}, Buffer.from(s))) as Buffer
      expect(JSON.parse(viaBytes.toString())).toEqual(expected)
      expect(await cloud.execute('TextNormalize', {}, JSON.stringify(s), { format: 'json' })).toEqual(expected)
    }
  })

  it('options: forms, no lowercase, UAX #29 words (as Intl.Segmenter finds them in plain text)', async () => {
    const s = 'Hello, Wörld! It’s 3.5 km — naïve café.'
    const words = [...new Intl.Segmenter('en', { granularity: 'word' }).segment(s.toLowerCase())].filter((w) => w.isWordLike).map((w) => w.segment)
    for (const [config, expected] of [
      [{ split: 'words' }, { text: s.toLowerCase(), tokens: words }],
      [{ form: 'NFD', lowercase: false, split: 'none' }, { text: s.normalize('NFD'), tokens: [] }],
      [{ form: 'NFKD' }, { text: s.normalize('NFKD').toLowerCase(), tokens: s.normalize('NFKD').toLowerCase().split(' ') }],
    ] as const) {
      const session = await (await WasmEdgeNode.load(mod('text_normalize.wasm'), { config })).createSession()
      expect(await session.process(Buffer.from(s))).toEqual(expected)
      expect(JSON.parse(((await cloud.execute('TextNormalize', config, Buffer.from(s))) as Buffer).toString())).toEqual(expected)
    }
  })

  it('hostile text: invalid UTF-8, text past maxBytes, bad settings → coded errors on both sides', async () => {
    const session = await (await WasmEdgeNode.load(mod('text_normalize.wasm'), { config: { maxBytes: 1 << 20 } })).createSession()
    const invalid = Buffer.from([0x61, 0x62, 0xc3, 0x28])
    const huge = Buffer.alloc((1 << 20) + 1, 0x61)
    for (const input of [invalid, huge, Buffer.from([0xed, 0xa0, 0x80])]) {
      expect((await rejection(session.process(input))).code).toBe('ERR_WASM_INVALID_INPUT')
    }
    expect(await session.process(Buffer.from('still fine'))).toEqual({ text: 'still fine', tokens: ['still', 'fine'] })
    let e = await rejection(cloud.execute('TextNormalize', {}, invalid))
    expect(e).toMatchObject({ code: 'ERR_CLOUD_REJECTED', message: expect.stringMatching(/not valid UTF-8: invalid byte sequence at byte 2/) })
    e = await rejection(cloud.execute('TextNormalize', {}, huge))
    expect(e).toMatchObject({ code: 'ERR_CLOUD_REJECTED', message: expect.stringMatching(/1048577 bytes; maxBytes allows 65536/) })
    e = await rejection(cloud.execute('TextNormalize', { form: 'NFX' }, Buffer.from('a')))
    expect(e).toMatchObject({ code: 'ERR_CLOUD_REJECTED', message: expect.stringMatching(/form.*one of NFKC, NFC, NFD, NFKD, none/) })
    e = await rejection(cloud.execute('TextNormalize', {}, Float32Array.of(1)))
    expect(e).toMatchObject({ code: 'ERR_CLOUD_REJECTED', message: expect.stringMatching(/takes text/) })
    for (const config of [{ maxBytes: 0 }, { form: 'nfkc' }, { split: 'sentences' }, { lower: true }]) {
      expect((await rejection((await WasmEdgeNode.load(mod('text_normalize.wasm'), { config })).createSession())).code).toBe('ERR_INVALID_CONFIG')
    }
    // The NFKC expansion of a long input is bounded by maxOutputBytes at the edge.
    const expanding = await (await WasmEdgeNode.load(mod('text_normalize.wasm'), { config: { maxBytes: 1 << 20 }, maxOutputBytes: 1 << 20, timeoutMs: 30_000 })).createSession()
    expect((await rejection(expanding.process(Buffer.from('\ufdfa'.repeat(100_000))))).code).toBe('ERR_WASM_OUTPUT_TOO_LARGE')
  })

  it('through a hybrid proxy: both routes give the same JSON, as the reference', async () => {
    let turn = 0
    const proxy = await hybrid.createHybridProxy({
      edgeWasm: { wasmPath: mod('text_normalize.wasm') },
      cloudRemote: { nodeType: 'TextNormalize' },
      decisionFunction: () => (turn++ % 2 === 0 ? 'edge' : 'cloud'),
      fallback: 'none',
    })
    for (const s of SAMPLES) {
      const edge = await proxy.process(s)
      const fromCloud = await proxy.process(s)
      expect([edge.route, fromCloud.route]).toEqual(['edge', 'cloud'])
      expect(edge.output, JSON.stringify(s)).toEqual(textReference(s))
      expect(fromCloud.output, JSON.stringify(s)).toEqual(textReference(s))
    }
    const bad = await rejection(proxy.process(Buffer.from([0xff])))
    expect(bad.code).toBe('ERR_WASM_INVALID_INPUT')
    expect((await rejection(proxy.process(Buffer.from([0xff]))))).toMatchObject({ code: 'ERR_CLOUD_REJECTED' })
    await proxy.close()
  })
})

// ---- images -----------------------------------------------------------------------

/** A deterministic RGBA test card, as pngjs encodes it. */
function card(width: number, height: number, seed = 1) {
  const png = new PNG({ width, height })
  for (let i = 0; i < width * height * 4; i++) png.data[i] = (i * 37 + seed * 101 + ((i >> 2) % width) * 13) % 256
  return { png: PNG.sync.write(png), rgba: png.data, width, height }
}

interface Norm { width: number; height: number; mean: number[]; std: number[]; layout: 'chw' | 'hwc' }

/** Bilinear resize with half-pixel centres (OpenCV INTER_LINEAR), then (x/255 - mean)/std, in float64. */
function imageReference(rgba: Uint8Array, inW: number, inH: number, o: Norm): Float32Array {
  const out = new Float32Array(3 * o.width * o.height)
  const axis = (i: number, outLen: number, inLen: number) => {
    const at = Math.max(0, (i + 0.5) * (inLen / outLen) - 0.5)
    const lo = Math.min(Math.floor(at), inLen - 1)
    return [lo, Math.min(lo + 1, inLen - 1), at - lo]
  }
  const px = (x: number, y: number, c: number) => rgba[(y * inW + x) * 4 + c]
  for (let y = 0; y < o.height; y++) {
    const [y0, y1, wy] = axis(y, o.height, inH)
    for (let x = 0; x < o.width; x++) {
      const [x0, x1, wx] = axis(x, o.width, inW)
      for (let c = 0; c < 3; c++) {
        const top = px(x0, y0, c) * (1 - wx) + px(x1, y0, c) * wx
        const bottom = px(x0, y1, c) * (1 - wx) + px(x1, y1, c) * wx
        const v = top * (1 - wy) + bottom * wy
        const i = o.layout === 'chw' ? c * o.width * o.height + y * o.width + x : (y * o.width + x) * 3 + c
        out[i] = (v / 255 - o.mean[c]) / o.std[c]
      }
    }
  }
  return out
}

/** A PNG of only a signature, an IHDR declaring `width` × `height` RGBA, and IEND. */
function headerOnlyPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
    const out = Buffer.alloc(body.length + 8)
    out.writeUInt32BE(data.length, 0)
    body.copy(out, 4)
    out.writeUInt32BE(crc32(body), body.length + 4)
    return out
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr.set([8, 6, 0, 0, 0], 8)
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(0))), chunk('IEND', Buffer.alloc(0))])
}

const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }

describe('images: image_preprocess.wasm and ImagePreprocess', () => {
  it('down- and upscaling, both layouts: the float64 reference within float32 rounding; edge and cloud bit-identical', async () => {
    for (const [inW, inH, o] of [
      [37, 23, { width: 16, height: 12, ...IMAGENET, layout: 'chw' }],
      [8, 6, { width: 19, height: 13, mean: [0, 0, 0], std: [1, 1, 1], layout: 'hwc' }],
      [64, 64, { width: 224, height: 224, ...IMAGENET, layout: 'chw' }],
    ] as const) {
      const { png, rgba } = card(inW, inH)
      const expected = imageReference(rgba, inW, inH, o)
      const node = await WasmEdgeNode.load(mod('image_preprocess.wasm'), { config: o })
      expect(node.describe()).toMatchObject({ name: 'image_preprocess', input: 'bytes', output: 'f32' })
      const edge = (await (await node.createSession()).process(png)) as Float32Array
      expect(edge.length).toBe(3 * o.width * o.height)
      let worst = 0
      for (let i = 0; i < edge.length; i++) worst = Math.max(worst, Math.abs(edge[i] - expected[i]) / Math.max(1, Math.abs(expected[i])))
      expect(worst).toBeLessThanOrEqual(2 ** -23)
      const fromCloud = (await cloud.execute('ImagePreprocess', o, png)) as Buffer
      expect(Buffer.compare(fromCloud, Buffer.from(edge.buffer, edge.byteOffset, edge.byteLength))).toBe(0)
    }
  })

  it('same size is the pixels / 255; grey PNGs fill R, G and B', async () => {
    const { png, rgba } = card(5, 4)
    const out = (await (await (await WasmEdgeNode.load(mod('image_preprocess.wasm'), { config: { width: 5, height: 4, layout: 'hwc' } })).createSession()).process(png)) as Float32Array
    for (let p = 0; p < 20; p++) for (let c = 0; c < 3; c++) expect(out[p * 3 + c]).toBe(Math.fround(rgba[p * 4 + c] / 255))
    const grey = new PNG({ width: 2, height: 1, colorType: 0, inputColorType: 0, inputHasAlpha: false } as never)
    grey.data = Buffer.from([0, 255]) as never
    const greyPng = PNG.sync.write(grey, { colorType: 0, inputColorType: 0, inputHasAlpha: false } as never)
    const g = (await cloud.execute('ImagePreprocess', { width: 2, height: 1 }, greyPng)) as Buffer
    expect(Array.from(new Float32Array(g.buffer.slice(g.byteOffset, g.byteOffset + g.byteLength)))).toEqual([0, 1, 0, 1, 0, 1])
  })

  it('hostile images: a header declaring 100000 × 100000, truncated data, not a PNG → coded errors, nothing decoded', async () => {
    const bomb = headerOnlyPng(100_000, 100_000)
    const session = await (await WasmEdgeNode.load(mod('image_preprocess.wasip1.wasm'), { maxMemoryMb: 32 })).createSession()
    const { png } = card(40, 30)
    for (const input of [bomb, png.subarray(0, png.length - 30), Buffer.from('GIF89a not a png'), Buffer.alloc(0)]) {
      expect((await rejection(session.process(input))).code).toBe('ERR_WASM_INVALID_INPUT')
    }
    expect(session.logs().stderr).toContain('the PNG declares 100000 × 100000 = 10000000000 pixels; maxPixels allows 4194304')
    expect(((await session.process(png)) as Float32Array).length).toBe(3 * 224 * 224)
    let e = await rejection(cloud.execute('ImagePreprocess', {}, bomb))
    expect(e).toMatchObject({ code: 'ERR_CLOUD_REJECTED', message: expect.stringMatching(/100000 × 100000 = 10000000000 pixels; maxPixels allows 4194304/) })
    e = await rejection(cloud.execute('ImagePreprocess', { maxPixels: 100 }, png))
    expect(e.message).toMatch(/40 × 30 = 1200 pixels; maxPixels allows 100/)
    e = await rejection(cloud.execute('ImagePreprocess', { std: [1, 0, 1] }, png))
    expect(e.message).toMatch(/std\[1\] = 0 is not allowed/)
    e = await rejection(cloud.execute('ImagePreprocess', { mean: [0, 0] }, png))
    expect(e.message).toMatch(/mean = \[0,0\] is not allowed: expected a list of 3 numbers/)
    e = await rejection(cloud.execute('ImagePreprocess', { width: 5000 }, png))
    expect(e.message).toMatch(/width = 5000 is not allowed: expected a whole number from 1 to 4096/)
  })

  it('through a hybrid proxy: both routes give the same Float32Array', async () => {
    const config = { width: 32, height: 24, ...IMAGENET }
    let turn = 0
    const proxy = await hybrid.createHybridProxy({
      edgeWasm: { wasmPath: mod('image_preprocess.wasm'), config },
      cloudRemote: { nodeType: 'ImagePreprocess', config },
      decisionFunction: () => (turn++ % 2 === 0 ? 'edge' : 'cloud'),
      fallback: 'none',
    })
    const routes = new Set<string>()
    for (let seed = 0; seed < 6; seed++) {
      const { png, rgba, width, height } = card(50 + seed, 40, seed)
      const r = await proxy.process(png)
      routes.add(r.route)
      expect(r.output).toBeInstanceOf(Float32Array)
      const expected = imageReference(rgba, width, height, { ...config, layout: 'chw' })
      const out = r.output as Float32Array
      for (let i = 0; i < out.length; i++) expect(Math.abs(out[i] - expected[i])).toBeLessThanOrEqual(2 ** -23 * Math.max(1, Math.abs(expected[i])))
    }
    expect(routes.size).toBe(2)
    const listed = ((await hybrid.listNodes()) as Array<{ nodeType: string; category: string; parameters: Array<{ name: string }> }>).filter((n) => ['image', 'text'].includes(n.category))
    expect(listed.map((n) => [n.nodeType, n.category, n.parameters.map((p) => p.name).sort()])).toEqual([
      ['ImagePreprocess', 'image', ['height', 'layout', 'maxPixels', 'mean', 'std', 'width']],
      ['TextNormalize', 'text', ['form', 'lowercase', 'maxBytes', 'split']],
    ])
    await proxy.close()
  })
})
