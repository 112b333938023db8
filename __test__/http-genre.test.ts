// Genre over HTTP: POST /classify-genre and the session classifier of POST /process-audio,
// each checked against the addon's classifier called directly on the same samples (itself
// tested against the labelled clips in genre.test.ts).
import { describe, expect, it } from 'vitest'
import { ErrorCode, GenreClassifier, classifyGenreSync } from '../dist/index.js'
import { FRAME, SR, speechLike } from './helpers.js'
import { bytesOf, createSession, expectErrorReply, postBytes, postJson, startServer } from './http-helpers.js'

describe('POST /classify-genre', async () => {
  const { url } = await startServer()
  const endpoint = `${url}/classify-genre`
  const clip = speechLike(4 * SR)

  it('answers { genre, confidence, probabilities } as classifyGenre does', async () => {
    const expected = classifyGenreSync(clip)
    const json = await postJson(endpoint, { audioBuffer: Array.from(clip) })
    expect(json.status).toBe(200)
    expect(await json.json()).toEqual(expected)
    const raw = await postBytes(endpoint, bytesOf(clip))
    expect(await raw.json()).toEqual(expected)
  })

  it('takes options and rejects bad ones and too little audio with 400', async () => {
    const at16k = speechLike(4 * 16_000)
    const r = await postJson(endpoint, { audioBuffer: Array.from(at16k), options: { sampleRate: 16_000 } })
    expect(await r.json()).toEqual(classifyGenreSync(at16k, { sampleRate: 16_000 }))
    await expectErrorReply(await postJson(endpoint, { audioBuffer: Array.from(clip), options: { sampleRate: 1000 } }), 400, ErrorCode.INVALID_CONFIG, /sampleRate/)
    const short = await postJson(endpoint, { audioBuffer: Array.from(clip.subarray(0, SR)) })
    expect(short.status).toBe(400)
    expect((await short.json()).code).toBe(ErrorCode.INVALID_AUDIO)
  })
})

describe('POST /process-audio session genre', async () => {
  const { url } = await startServer()

  it('is the decision of a streaming classifier fed the session frames in order', async () => {
    const x = speechLike(5 * SR)
    const classifier = new GenreClassifier()
    const decisions: Array<string | null> = []
    const session = await createSession(url)
    for (let i = 0; i + FRAME <= x.length; i += FRAME) {
      const frame = x.subarray(i, i + FRAME)
      const r = await postJson(`${url}/process-audio`, { audioBuffer: Array.from(frame), session })
      const body = await r.json()
      expect(body.genre).toEqual(classifier.pushSync(frame))
      decisions.push(body.genre.genre)
    }
    // No decision during the first 3 s.
    expect(decisions.slice(0, 100).every((g) => g === null)).toBe(true)
  })
})
