// The genre section.
//
// Genre detection has no peer here (no library classifies these five classes in Node or
// Python without a model download): the rows print our figures only. The streaming push
// is per 960-sample frame (amortised: every 25th push also classifies a 3 s window); the
// batch call is per second of audio, over the same 60 s as the analysis sections.
import { SAMPLE_RATE } from '../signal.mjs'
import { lastJson, run } from '../lib/child.mjs'
import { batchRow, timeRuns, timeSync } from '../lib/measure.mjs'

/** Genre detection: Rust direct (cargo example bench_genre) and through the addon. */
async function genreSection(ctx) {
  const { addon } = ctx
  const out = await run('cargo', ['run', '--release', '-q', '--example', 'bench_genre', '-p', 'edgemix-dsp', '--', String(ctx.n(20_000))])
  const r = lastJson(out)
  const { samples, frames } = ctx.signal60()
  const k = frames.length
  const classifier = new addon.GenreClassifier({ sampleRate: SAMPLE_RATE })
  const push = timeSync((i) => classifier.pushSync(frames[i % k]), { n: ctx.n(20_000), warmup: ctx.n(1_000) })
  const runs = ctx.quick ? 3 : 5
  const batch = timeRuns(() => addon.classifyGenreSync(samples, { sampleRate: SAMPLE_RATE }), { runs })
  const seconds = samples.length / SAMPLE_RATE
  return {
    rows: [
      {
        id: 'rust.genre.push',
        label: 'Rust StreamingGenreClassifier::push(960)',
        p50: r.push.nsPerFrame.mean,
        mean: r.push.nsPerFrame.mean,
        unit: 'throughput',
        note: `no peer; mean over ${r.push.frames} pushes (amortised, ${r.push.windows} windows classified), slowest ${(r.push.nsPerFrame.max / 1e3).toFixed(1)} µs`,
      },
      {
        id: 'addon.genre.pushSync',
        label: 'GenreClassifier.pushSync(frame)',
        ...push,
        note: 'no peer; per 960-sample frame, includes the copy in and the decision object out',
      },
      {
        id: 'rust.genre.classify',
        label: 'Rust classify(60 s), per second of audio',
        p50: r.classify60s.nsPerSecondOfAudio,
        mean: r.classify60s.nsPerSecondOfAudio,
        note: `no peer; best of 5, ${r.classify60s.ms.toFixed(1)} ms per 60 s call`,
      },
      {
        id: 'addon.genre.classify',
        label: 'classifyGenreSync(60 s), per second of audio',
        ...batchRow(batch, seconds),
        note: `no peer; median of ${runs}; ${batch.out.genre} (${batch.out.confidence.toFixed(2)}) on the speech-like test signal`,
      },
    ],
    info: { rust: r, pushSync: push, batch: { runsNs: batch.runsNs } },
  }
}

export const sections = [
  { id: 'genre', title: 'Genre detection (no peer: our figures only)', run: genreSection },
]
