/** Helpers for the HTTP API suites: a real server on 127.0.0.1:0 and typed fetches. */
import { afterAll, expect } from 'vitest'
import { createHttpServer } from '../dist/index.js'
import type { HttpServer, HttpServerOptions } from '../dist/index.js'

/** Starts a server for the rest of the file (closed after all its tests). */
export async function startServer(options: HttpServerOptions = {}): Promise<{ server: HttpServer; url: string }> {
  const server = await createHttpServer(options)
  const url = await server.listen({ port: 0, host: '127.0.0.1' })
  afterAll(() => server.close())
  return { server, url }
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
}

export async function postBytes(url: string, bytes: Uint8Array, headers: Record<string, string> = {}) {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/octet-stream', ...headers }, body: bytes })
}

/** A new session of POST /process-audio (POST /sessions, optionally with `{ config }`): its id. */
export async function createSession(url: string, headers: Record<string, string> = {}, body?: object): Promise<string> {
  const res = body
    ? await postJson(`${url}/sessions`, body, headers)
    : await fetch(`${url}/sessions`, { method: 'POST', headers })
  expect(res.status).toBe(201)
  return ((await res.json()) as { id: string }).id
}

/** The little-endian float32 bytes of `samples`. */
export const bytesOf = (samples: Float32Array) => new Uint8Array(samples.buffer.slice(samples.byteOffset, samples.byteOffset + samples.byteLength))

/** Asserts an error reply: status, `{ code, message }` and nothing else in the body. */
export async function expectErrorReply(res: Response, status: number, code: string, message: RegExp) {
  const body = (await res.json()) as { code: string; message: string }
  expect({ status: res.status, code: body.code }).toEqual({ status, code })
  expect(body.message).toMatch(message)
  expect(Object.keys(body).sort()).toEqual(['code', 'message'])
}

/** Meters as JSON carries them: -Infinity (silence) becomes null. */
export const asJson = <T>(x: T): T => JSON.parse(JSON.stringify(x))
