/** Helpers for the HTTP API suites: a real server on 127.0.0.1:0 and typed fetches. */
import { afterAll, expect } from 'vitest'
import { createHttpServer } from '../dist/index.js'
import type { HttpServer, HttpServerOptions } from '../dist/index.js'
import WebSocket from 'ws'

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

export type Message = { binary: true; samples: Float32Array } | { binary: false; json: any }

/**
 * Opens /stream and collects every message and the close. `protocols` and `options`
 * (headers, TLS) go to the `ws` client as they are.
 */
export async function openStream(url: string, protocols: string[] = [], options: WebSocket.ClientOptions = {}) {
  const ws = new WebSocket(url.replace(/^http/, 'ws') + '/stream', protocols, options)
  const messages: Message[] = []
  const waiters: Array<() => void> = []
  let closed: { code: number; reason: string } | null = null
  ws.on('message', (data: Buffer, isBinary) => {
    if (isBinary) {
      const samples = new Float32Array(data.byteLength / 4)
      new Uint8Array(samples.buffer).set(data)
      messages.push({ binary: true, samples })
    } else messages.push({ binary: false, json: JSON.parse(String(data)) })
    waiters.splice(0).forEach((w) => w())
  })
  ws.on('close', (code, reason) => {
    closed = { code, reason: String(reason) }
    waiters.splice(0).forEach((w) => w())
  })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
  })
  const until = (done: () => boolean) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out with ${messages.length} messages`)), 30_000)
      const check = () => {
        if (done()) {
          clearTimeout(timer)
          resolve()
        } else waiters.push(check)
      }
      check()
    })
  return {
    ws,
    messages,
    closed: () => closed,
    receive: (n: number) => until(() => messages.length >= n || closed !== null),
    waitClose: () => until(() => closed !== null),
  }
}
