// One rule picks the wire format of an input that names none (crates/wire InputKind):
// the TypeScript client's normalize() and the addon's CloudClient must agree. What the
// addon picked is observed on a real server: PassThrough answers in the request's format,
// so an f32le call comes back as a Float32Array, bytes as a Buffer, json as the value.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CloudClient, startServer } from '../dist/index.js'
import type { CloudServer } from '../dist/index.js'
import { normalize } from '../dist/hybrid/input.js'

let server: CloudServer
let client: CloudClient

beforeAll(async () => {
  server = await startServer({ port: 0 })
  client = new CloudClient({ endpoints: [`http://127.0.0.1:${server.port}`], timeoutMs: 10_000 })
})

afterAll(async () => {
  await client.close()
  await server.close()
})

/** The format a PassThrough answer shows the request travelled in. */
function formatOf(answer: unknown): string {
  if (answer instanceof Float32Array) return 'f32le'
  if (Buffer.isBuffer(answer)) return 'bytes'
  return 'json'
}

const inputs: [string, unknown][] = [
  ['a Float32Array', new Float32Array([0.5, -0.25, 1])],
  ['a Buffer', Buffer.from([0, 1, 255])],
  ['a Uint8Array', new Uint8Array([7, 8, 9])],
  ['a string', 'héllo, wörld'],
  ['a string that is JSON text', '{"a":1}'],
  ['an object', { a: [1, 'b'], c: null }],
  ['an array', [0.5, 0.25]],
  ['a number', 3.5],
  ['a boolean', true],
  ['null', null],
]

describe('the input-kind rule', () => {
  it.each(inputs)('%s travels in the same format from the TypeScript client and the addon', async (_, input) => {
    const ts = normalize(input)
    const answer = await client.execute('PassThrough', null, input)
    expect(formatOf(answer)).toBe(ts.format)
    // And the bytes that travel are the same: the edge and cloud sides see one payload.
    if (ts.format === 'json') expect(answer).toEqual(input)
    else expect(Buffer.from((answer as Uint8Array).buffer, (answer as Uint8Array).byteOffset, (answer as Uint8Array).byteLength))
      .toEqual(Buffer.from((ts.cloud as Uint8Array).buffer, (ts.cloud as Uint8Array).byteOffset, (ts.cloud as Uint8Array).byteLength))
  })
})
