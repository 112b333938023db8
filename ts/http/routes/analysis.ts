/**
 * POST /extract-features: 13 MFCCs and the spectral features of each 960-sample frame.
 * POST /classify-genre: `{ genre, confidence, probabilities }` of a clip.
 * Both take JSON `{ audioBuffer, options? }` or a raw float32le body (default options).
 */
import type { FastifyInstance } from 'fastify'
import { FeatureExtractor, classifyGenre } from '../../../index.js'
import type { AnalysisOptions, GenreOptions } from '../../../index.js'
import { assertAtLeast, objectField, samplesOfBody } from '../audio.js'
import type { RouteContext } from '../context.js'

const list = (x: Float32Array | undefined) => Array.from(x ?? [])

export function analysisRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const bodyLimit = ctx.options.bodyLimit

  // The streaming extractor (silent history of nFft − hop samples): every `hop` samples
  // make one frame, so a 960-sample frame gives exactly one row of 13 coefficients.
  app.post('/extract-features', { bodyLimit }, async (request) => {
    const { samples, source, json } = samplesOfBody(request.body)
    const options = objectField(json, 'options') as AnalysisOptions | undefined
    const extractor = new FeatureExtractor({ ...options, spectral: true })
    const used = extractor.options
    assertAtLeast(samples, used.hop, source, `feature extraction with hop ${used.hop}`)
    const r = await extractor.push(samples)
    const mfcc: number[][] = []
    for (let i = 0; i < r.frames; i++) mfcc.push(Array.from(r.mfcc.subarray(i * r.nMfcc, (i + 1) * r.nMfcc)))
    return {
      sampleRate: used.sampleRate,
      hop: used.hop,
      nFft: used.nFft,
      frames: r.frames,
      nMfcc: r.nMfcc,
      mfcc,
      rms: list(r.rms),
      zcr: list(r.zcr),
      centroidHz: list(r.centroidHz),
      rolloffHz: list(r.rolloffHz),
      flatness: list(r.flatness),
      flux: list(r.flux),
    }
  })

  app.post('/classify-genre', { bodyLimit }, async (request) => {
    const { samples, json } = samplesOfBody(request.body)
    return classifyGenre(samples, objectField(json, 'options') as GenreOptions | undefined)
  })
}
