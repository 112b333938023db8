/**
 * POST /extract-features: 13 MFCCs and the spectral features of each 960-sample frame.
 * POST /classify-genre: `{ genre, confidence, probabilities }` of a clip.
 * Both take JSON `{ audioBuffer, options? }` or a raw float32le body (default options).
 *
 * Whole-clip analysis is admitted through a gate (gate.ts) before its body is read: at
 * most `analysis.concurrency` run at once and `analysis.queue` wait, the rest get 503
 * with Retry-After, so real-time frames (POST /process-audio, /stream) keep their
 * latency. A request whose work (budget.ts) exceeds `analysis.budget` is refused with 413
 * before any of it is done.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { FeatureExtractor, classifyGenre } from '../../../index.js'
import type { AnalysisOptions, GenreOptions } from '../../../index.js'
import { ErrorCode } from '../../errors.js'
import { assertAtLeast, objectField, samplesOfBody } from '../audio.js'
import { assertWithinBudget, featureWork, genreWork } from '../budget.js'
import type { RouteContext } from '../context.js'
import { HttpError } from '../errors.js'

const list = (x: Float32Array | undefined) => Array.from(x ?? [])

/** Calls `fn` once the reply's connection is done: the response sent or the client gone. */
function onClose(reply: FastifyReply, fn: () => void): void {
  if (reply.raw.destroyed || reply.raw.writableFinished) fn()
  else reply.raw.once('close', fn)
}

export function analysisRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { bodyLimit } = ctx.options
  const { concurrency, queue, budget } = ctx.options.analysis
  const gate = ctx.analysis

  // Route hook: holds a slot from before the body is read until the reply is done.
  const admit = async (_request: FastifyRequest, reply: FastifyReply) => {
    const release = await gate.enter((leave) => onClose(reply, leave))
    if (!release) {
      throw new HttpError(
        ErrorCode.SERVER_BUSY,
        `${concurrency} whole-clip analyses are running and ${queue} waiting, the most this server takes; retry after 1 s`,
        { 'retry-after': '1' },
      )
    }
    onClose(reply, release)
  }

  // The streaming extractor (silent history of nFft − hop samples): every `hop` samples
  // make one frame, so a 960-sample frame gives exactly one row of 13 coefficients.
  app.post('/extract-features', { bodyLimit, onRequest: admit }, async (request) => {
    const { samples, source, json } = samplesOfBody(request.body)
    const options = objectField(json, 'options') as AnalysisOptions | undefined
    const extractor = new FeatureExtractor({ ...options, spectral: true })
    const used = extractor.options
    assertAtLeast(samples, used.hop, source, `feature extraction with hop ${used.hop}`)
    assertWithinBudget(featureWork(samples.length, used), budget)
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

  app.post('/classify-genre', { bodyLimit, onRequest: admit }, async (request) => {
    const { samples, json } = samplesOfBody(request.body)
    const options = objectField(json, 'options') as GenreOptions | undefined
    assertWithinBudget(genreWork(samples.length), budget)
    return classifyGenre(samples, options)
  })
}
