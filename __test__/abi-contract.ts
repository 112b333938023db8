/**
 * The guest side of the ABI (wasm-modules/ABI.md) checked export by export: a module
 * without imports is instantiated in V8 (Node's own WebAssembly, independent of the
 * wasmtime host) and driven by hand, so that a module in any language can be held to the
 * same contract the host relies on: alloc/dealloc, initialize, the buffer protocol with
 * its retry rule, bounds checks that return codes instead of trapping, describe, cleanup.
 */
import { readFileSync } from 'node:fs'

export const OK = 0
export const FAILED = -1
export const BUFFER_TOO_SMALL = -2
export const NOT_INITIALIZED = -5

interface Exports {
  memory: WebAssembly.Memory
  alloc(len: number): number
  dealloc(ptr: number, len: number): void
  initialize(id: number): number
  configure?(json: number, len: number): number
  process(data: number, len: number, result: number, resultLen: number): number
  cleanup(): number
  describe?(result: number, resultLen: number): number
}

export class RawModule {
  readonly x: Exports

  constructor(path: string) {
    const module = new WebAssembly.Module(readFileSync(path))
    this.x = new WebAssembly.Instance(module, {}).exports as unknown as Exports
  }

  get bytes(): Uint8Array {
    return new Uint8Array(this.x.memory.buffer)
  }

  /** A guest buffer holding `data`. */
  put(data: Uint8Array): number {
    const ptr = this.x.alloc(Math.max(data.length, 1))
    if (ptr === 0) throw new Error('alloc returned 0')
    this.bytes.set(data, ptr)
    return ptr
  }

  u32(ptr: number): number {
    return new DataView(this.x.memory.buffer).getUint32(ptr, true)
  }

  setU32(ptr: number, value: number): void {
    new DataView(this.x.memory.buffer).setUint32(ptr, value, true)
  }

  initialize(id: string): number {
    return this.x.initialize(this.put(new TextEncoder().encode(`${id}\0`)))
  }

  configure(json: string): number {
    const bytes = new TextEncoder().encode(json)
    return this.x.configure!(this.put(bytes), bytes.length)
  }

  /** One buffer-protocol call with `capacity` bytes of room: the code, the stored length and the output. */
  call(fn: (result: number, resultLen: number) => number, capacity: number): { code: number; len: number; out: Uint8Array } {
    const result = this.x.alloc(Math.max(capacity, 1))
    const cell = this.x.alloc(4)
    this.setU32(cell, capacity)
    const code = fn(result, cell)
    const len = this.u32(cell)
    const out = code === OK ? this.bytes.slice(result, result + len) : new Uint8Array()
    this.x.dealloc(result, Math.max(capacity, 1))
    this.x.dealloc(cell, 4)
    return { code, len, out }
  }

  process(input: Uint8Array, capacity: number) {
    const data = this.put(input)
    try {
      return this.call((r, l) => this.x.process(data, input.length, r, l), capacity)
    } finally {
      this.x.dealloc(data, Math.max(input.length, 1))
    }
  }

  describe(capacity: number) {
    return this.call((r, l) => this.x.describe!(r, l), capacity)
  }
}

export const f32Bytes = (x: Float32Array) => new Uint8Array(x.buffer.slice(x.byteOffset, x.byteOffset + x.byteLength))
export const bytesF32 = (b: Uint8Array) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))
