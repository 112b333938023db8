// edgemix module SDK for AssemblyScript: the guest side of the ABI (wasm-modules/ABI.md,
// version 1). A module extends `Module`, calls `register()` once, and re-exports the ABI
// exports from "./exports" in its entry file:
//
//   import { Config, Format, Input, Module, ModuleInfo, OK, Output, register } from "edgemix/wasm-modules/as/sdk"
//   class Echo extends Module {
//     process(input: Input, out: Output): i32 { out.writeInput(input); return OK }
//   }
//   register(new ModuleInfo("echo", "1.0.0", Format.Bytes, Format.Bytes), (id: string): Module => new Echo())
//   export * from "edgemix/wasm-modules/as/sdk/exports"
//
// Build with the SDK's asconfig.json (see wasm-modules/as/README.md). The exports
// implement the buffer protocol and its retry rule (an input is never applied twice), so
// a module only turns one input into one output.

// ABI return codes (ABI.md, "Return codes").
export const OK: i32 = 0
export const FAILED: i32 = -1
export const BUFFER_TOO_SMALL: i32 = -2
export const INVALID_INPUT: i32 = -3
export const INVALID_CONFIG: i32 = -4
export const NOT_INITIALIZED: i32 = -5
export const REMOTE_UNAVAILABLE: i32 = -6
export const REMOTE_FAILED: i32 = -7
export const REMOTE_DENIED: i32 = -8
export const REMOTE_TIMEOUT: i32 = -9

/** What `process` consumes or produces, as named in the `describe` JSON. */
export enum Format {
  /** Little-endian float32 samples. */
  F32,
  /** UTF-8 JSON. */
  Json,
  /** Opaque bytes. */
  Bytes,
}

export function formatName(format: Format): string {
  if (format == Format.F32) return "f32"
  if (format == Format.Json) return "json"
  return "bytes"
}

/** The `describe` metadata of a module. */
export class ModuleInfo {
  constructor(
    public name: string,
    public version: string,
    public input: Format,
    public output: Format,
    public description: string = "",
  ) {}

  toJson(): string {
    return `{"name":${jsonString(this.name)},"version":${jsonString(this.version)},"abi":1,"input":"${formatName(this.input)}","output":"${formatName(this.output)}","description":${jsonString(this.description)}}`
  }
}

/** One input of `process`: a view of the host's buffer, valid during the call only. */
export class Input {
  constructor(public readonly ptr: usize, public readonly length: i32) {}

  /** Samples of an f32 input (the host checked they are whole and finite). */
  get samples(): i32 {
    return this.length >> 2
  }

  /** Sample `i` of an f32 input; 0 <= i < samples. */
  @inline sample(i: i32): f32 {
    return load<f32>(this.ptr + (<usize>i << 2))
  }

  /** Byte `i`; 0 <= i < length. */
  @inline byte(i: i32): u8 {
    return load<u8>(this.ptr + <usize>i)
  }

  /** The input as a string, or null when it is not valid UTF-8. */
  text(): string | null {
    return utf8(this.ptr, this.length)
  }

  /** A copy of the bytes. */
  toBytes(): Uint8Array {
    const copy = new Uint8Array(this.length)
    memory.copy(copy.dataStart, this.ptr, <usize>this.length)
    return copy
  }
}

/** The output of `process`: a growable byte buffer the module appends to. */
export class Output {
  ptr: usize = 0
  length: i32 = 0
  private capacity: i32 = 0

  /** Room for `extra` more bytes. */
  reserve(extra: i32): void {
    const needed = this.length + extra
    if (needed <= this.capacity) return
    let capacity = max(needed, this.capacity << 1)
    capacity = max(capacity, 64)
    this.ptr = this.ptr == 0 ? heap.alloc(<usize>capacity) : heap.realloc(this.ptr, <usize>capacity)
    this.capacity = capacity
  }

  clear(): void {
    this.length = 0
  }

  writeF32(value: f32): void {
    this.reserve(4)
    store<f32>(this.ptr + <usize>this.length, value)
    this.length += 4
  }

  writeByte(value: u8): void {
    this.reserve(1)
    store<u8>(this.ptr + <usize>this.length, value)
    this.length += 1
  }

  writeBytes(bytes: Uint8Array): void {
    this.reserve(bytes.length)
    memory.copy(this.ptr + <usize>this.length, bytes.dataStart, <usize>bytes.length)
    this.length += bytes.length
  }

  /** Appends `text` as UTF-8 (e.g. a JSON document). */
  writeString(text: string): void {
    const bytes = String.UTF8.byteLength(text)
    this.reserve(bytes)
    String.UTF8.encodeUnsafe(changetype<usize>(text), text.length, this.ptr + <usize>this.length)
    this.length += bytes
  }

  /** Appends the input unchanged. */
  writeInput(input: Input): void {
    this.reserve(input.length)
    memory.copy(this.ptr + <usize>this.length, input.ptr, <usize>input.length)
    this.length += input.length
  }
}

/** A session's module instance. Override `process`, and `configure` to take settings. */
export abstract class Module {
  /**
   * Applies the session's configuration (a flat JSON object). Returns OK or
   * INVALID_CONFIG. The default accepts only an empty configuration, so that settings
   * given to a module that would ignore them are reported rather than dropped.
   */
  configure(config: Config): i32 {
    return config.keys.length == 0 ? OK : INVALID_CONFIG
  }

  /** Turns one input into output appended to `out`; OK or a negative code (`out` is then dropped). */
  abstract process(input: Input, out: Output): i32

  /** Called when the session closes. */
  cleanup(): void {}
}

/** Makes a session's instance; null refuses the session (initialize returns FAILED). */
export type Factory = (sessionId: string) => Module | null

export class Registration {
  constructor(public info: ModuleInfo, public factory: Factory) {}
}

let registration: Registration | null = null

/** Declares the module: its metadata and the factory of its instances. Call once, at top level. */
export function register(info: ModuleInfo, factory: Factory): void {
  registration = new Registration(info, factory)
}

/** The registration (for ./exports); traps when the module never called register(). */
export function registered(): Registration {
  const r = registration
  if (r == null) unreachable()
  return r!
}

/** A JSON scalar of a configuration. */
export enum Kind {
  Number,
  String,
  Boolean,
  Null,
}

export class Value {
  constructor(public kind: Kind, public number: f64 = 0, public text: string = "", public flag: bool = false) {}
}

/**
 * A configuration: a flat JSON object of numbers, strings, booleans and nulls, parsed by
 * `Config.parse` (strict JSON; nested objects and arrays are refused, so a module
 * declares only scalar settings). Getters return the fallback when the key is absent and
 * NaN / null when it has another type, so range checks refuse it.
 */
export class Config {
  keys: string[] = []
  private values: Map<string, Value> = new Map()

  has(key: string): bool {
    return this.values.has(key)
  }

  /** True when every key is one of `allowed`. */
  only(allowed: string[]): bool {
    for (let i = 0; i < this.keys.length; i++) {
      if (!allowed.includes(this.keys[i])) return false
    }
    return true
  }

  number(key: string, fallback: f64): f64 {
    if (!this.values.has(key)) return fallback
    const v = this.values.get(key)
    return v.kind == Kind.Number ? v.number : NaN
  }

  string(key: string, fallback: string): string | null {
    if (!this.values.has(key)) return fallback
    const v = this.values.get(key)
    return v.kind == Kind.String ? v.text : null
  }

  /** -1 when present with another type, else 0 / 1. */
  boolean(key: string, fallback: bool): i32 {
    if (!this.values.has(key)) return fallback ? 1 : 0
    const v = this.values.get(key)
    return v.kind == Kind.Boolean ? (v.flag ? 1 : 0) : -1
  }

  /** Parses `json` ("" = empty); null when it is not a flat JSON object or repeats a key. */
  static parse(json: string): Config | null {
    const config = new Config()
    const p = new Parser(json)
    p.space()
    if (p.done()) return config
    if (!p.eat(0x7b)) return null // {
    p.space()
    if (p.eat(0x7d)) return p.end() ? config : null // }
    while (true) {
      p.space()
      const key = p.string()
      if (key == null || config.values.has(key)) return null
      p.space()
      if (!p.eat(0x3a)) return null // :
      p.space()
      const value = p.scalar()
      if (value == null) return null
      config.keys.push(key)
      config.values.set(key, value)
      p.space()
      if (p.eat(0x2c)) continue // ,
      if (p.eat(0x7d)) return p.end() ? config : null
      return null
    }
  }
}

/** A strict JSON reader for the scalars of a flat object. */
class Parser {
  at: i32 = 0
  constructor(private text: string) {}

  done(): bool {
    return this.at >= this.text.length
  }

  peek(): i32 {
    return this.done() ? -1 : this.text.charCodeAt(this.at)
  }

  eat(c: i32): bool {
    if (this.peek() != c) return false
    this.at++
    return true
  }

  space(): void {
    while (true) {
      const c = this.peek()
      if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) return
      this.at++
    }
  }

  end(): bool {
    this.space()
    return this.done()
  }

  word(w: string): bool {
    if (this.text.substr(this.at, w.length) != w) return false
    this.at += w.length
    return true
  }

  scalar(): Value | null {
    const c = this.peek()
    if (c == 0x22) {
      const s = this.string()
      return s == null ? null : new Value(Kind.String, 0, s)
    }
    if (this.word("true")) return new Value(Kind.Boolean, 0, "", true)
    if (this.word("false")) return new Value(Kind.Boolean, 0, "", false)
    if (this.word("null")) return new Value(Kind.Null)
    return this.number()
  }

  digits(): i32 {
    const start = this.at
    while (this.peek() >= 0x30 && this.peek() <= 0x39) this.at++
    return this.at - start
  }

  /** JSON's number grammar, then the standard library's parseFloat. */
  number(): Value | null {
    const start = this.at
    this.eat(0x2d) // -
    if (this.eat(0x30)) {
      // a leading zero stands alone
    } else if (this.digits() == 0) return null
    if (this.eat(0x2e) && this.digits() == 0) return null
    if (this.eat(0x65) || this.eat(0x45)) {
      if (!this.eat(0x2b)) this.eat(0x2d)
      if (this.digits() == 0) return null
    }
    return new Value(Kind.Number, parseFloat(this.text.substring(start, this.at)))
  }

  string(): string | null {
    if (!this.eat(0x22)) return null
    let out = ""
    let run = this.at
    while (true) {
      const c = this.peek()
      if (c < 0) return null
      if (c == 0x22) {
        out += this.text.substring(run, this.at)
        this.at++
        return out
      }
      if (c < 0x20) return null
      if (c != 0x5c) {
        this.at++
        continue
      }
      out += this.text.substring(run, this.at)
      this.at++
      const e = this.peek()
      this.at++
      if (e == 0x22) out += "\""
      else if (e == 0x5c) out += "\\"
      else if (e == 0x2f) out += "/"
      else if (e == 0x62) out += "\b"
      else if (e == 0x66) out += "\f"
      else if (e == 0x6e) out += "\n"
      else if (e == 0x72) out += "\r"
      else if (e == 0x74) out += "\t"
      else if (e == 0x75) {
        const hex = this.text.substr(this.at, 4)
        if (hex.length < 4) return null
        let unit = 0
        for (let i = 0; i < 4; i++) {
          const h = hex.charCodeAt(i)
          const d = h >= 0x30 && h <= 0x39 ? h - 0x30 : (h | 0x20) >= 0x61 && (h | 0x20) <= 0x66 ? (h | 0x20) - 0x57 : -1
          if (d < 0) return null
          unit = (unit << 4) | d
        }
        out += String.fromCharCode(unit)
        this.at += 4
      } else return null
      run = this.at
    }
  }
}

/** `text` as a quoted JSON string (for modules that write JSON). */
export function jsonString(text: string): string {
  let out = "\""
  let run = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    let escape: string | null = null
    if (c == 0x22) escape = "\\\""
    else if (c == 0x5c) escape = "\\\\"
    else if (c == 0x0a) escape = "\\n"
    else if (c == 0x0d) escape = "\\r"
    else if (c == 0x09) escape = "\\t"
    else if (c < 0x20) escape = "\\u00" + (c < 0x10 ? "0" : "") + c.toString(16)
    if (escape != null) {
      out += text.substring(run, i) + escape
      run = i + 1
    }
  }
  return out + text.substring(run) + "\""
}

/** The string of `len` UTF-8 bytes at `ptr`, or null when they are not valid UTF-8. */
export function utf8(ptr: usize, len: i32): string | null {
  let i = 0
  while (i < len) {
    const b = <u32>load<u8>(ptr + <usize>i)
    let extra = 0
    let min: u32 = 0
    let cp: u32 = 0
    if (b < 0x80) {
      i++
      continue
    } else if ((b & 0xe0) == 0xc0) {
      extra = 1
      min = 0x80
      cp = b & 0x1f
    } else if ((b & 0xf0) == 0xe0) {
      extra = 2
      min = 0x800
      cp = b & 0x0f
    } else if ((b & 0xf8) == 0xf0) {
      extra = 3
      min = 0x10000
      cp = b & 0x07
    } else return null
    if (i + extra >= len) return null
    for (let k = 1; k <= extra; k++) {
      const c = <u32>load<u8>(ptr + <usize>(i + k))
      if ((c & 0xc0) != 0x80) return null
      cp = (cp << 6) | (c & 0x3f)
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return null
    i += extra + 1
  }
  return String.UTF8.decodeUnsafe(ptr, <usize>len)
}
