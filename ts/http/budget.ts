/**
 * The work a whole-clip analysis request asks for, in work units, checked against
 * `analysis.budget` before any of it is done. A unit is about 3 ns of one core (x86-64,
 * 2024); the weights were measured on the addon:
 *
 * - POST /extract-features, per frame (`⌊samples / hop⌋` frames): the FFT,
 *   `nFft·log2(nFft)` (2.5–3.6 ns per unit from nFft 1024 to 65536); the mel bands and
 *   DCT, `nMels·nMfcc`; a fixed 100 per frame (window, spectral features, calls: a frame
 *   of nFft 16 costs ~340 ns); and the JSON reply, `300·(nMfcc + 6)`, one number costing
 *   about 1 µs to build and serialise on the JS thread.
 * - POST /classify-genre: 40 per input sample (126 ns per sample at 16 kHz, less at
 *   higher rates, where resampling to 16 kHz drops most samples early).
 *
 * The default budget, 100,000,000 units (about 0.3 s of one core), admits the default
 * feature options and genre detection on the largest raw body (8 MiB, 2,097,152 samples:
 * 36 and 84 million units) and refuses `{ nFft: 65536, hop: 1 }` beyond 95 samples.
 */
import { ErrorCode } from '../errors.js'
import { HttpError } from './errors.js'

/** Units per frame independent of the options. */
const PER_FRAME = 100
/** Units per number of the JSON reply (built and serialised on the JS thread). */
const PER_REPLY_NUMBER = 300
/** Numbers per frame of the reply beside the MFCCs: rms, zcr, centroid, rolloff, flatness, flux. */
const SPECTRAL_VALUES = 6
/** Units per input sample of genre detection. */
const GENRE_PER_SAMPLE = 40

export interface Work {
  /** Work units. */
  units: number
  /** What the units are made of, for the message. */
  what: string
}

/** The work of POST /extract-features over `samples` with resolved options. */
export function featureWork(samples: number, o: { nFft: number; hop: number; nMels: number; nMfcc: number }): Work {
  const frames = Math.floor(samples / o.hop)
  const perFrame = o.nFft * Math.log2(o.nFft) + o.nMels * o.nMfcc + PER_FRAME + PER_REPLY_NUMBER * (o.nMfcc + SPECTRAL_VALUES)
  return {
    units: frames * perFrame,
    what: `${frames} frames (${samples} samples / hop ${o.hop}) × ${Math.round(perFrame)} units (nFft ${o.nFft}, nMels ${o.nMels}, nMfcc ${o.nMfcc})`,
  }
}

/** The work of POST /classify-genre over `samples`. */
export function genreWork(samples: number): Work {
  return { units: samples * GENRE_PER_SAMPLE, what: `${samples} samples × ${GENRE_PER_SAMPLE} units` }
}

/** Refuses work over `budget` units with `ERR_BUDGET_EXCEEDED` naming both. */
export function assertWithinBudget(work: Work, budget: number): void {
  if (work.units > budget) {
    throw new HttpError(
      ErrorCode.BUDGET_EXCEEDED,
      `this request asks for ${Math.round(work.units)} work units (${work.what}), over the budget of ${budget} per request; send a shorter clip, a larger hop or a smaller nFft`,
    )
  }
}
