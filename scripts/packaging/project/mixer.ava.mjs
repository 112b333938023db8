import test from 'ava'
import { ErrorCode, MixerChain } from 'edgemix'
import signal from './signal.cjs'

test('the limiter holds its ceiling and bad audio gets a coded error', async (t) => {
  const chain = new MixerChain({ limiter: { ceilingDb: -12 } })
  const out = await chain.process(signal.sine())
  const peak = out.reduce((m, v) => Math.max(m, Math.abs(v)), 0)
  t.true(peak <= 10 ** (-12 / 20) + 1e-6, `peak ${peak}`)
  t.true(peak > 0.1, `peak ${peak}: the signal did not come through`)
  const err = await t.throwsAsync(chain.process(new Float32Array([0, Number.POSITIVE_INFINITY])))
  t.is(err.code, ErrorCode.INVALID_AUDIO)
})
