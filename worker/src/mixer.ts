/**
 * mixer.wasm (wasm-modules/mixer, wasm32-unknown-unknown) on the platform's WebAssembly
 * API, following wasm-modules/ABI.md: `initialize`, optional `configure`, `process` with
 * the buffer protocol (one retry after BUFFER_TOO_SMALL). Platforms that forbid compiling
 * code at run time (Workers) hand the module over already compiled (a `.wasm` import).
 */
import { ErrorCode } from '../../ts/errors.js'
import { HttpError } from '../../ts/http/codes.js'

/** ABI return codes (ABI.md, Return codes). */
const OK = 0
const BUFFER_TOO_SMALL = -2
const INVALID_INPUT = -3
const INVALID_CONFIG = -4

interface MixerExports {
  memory: WebAssembly.Memory
  alloc(len: number): number
  dealloc(ptr: number, len: number): void
  initialize(sessionId: number): number
  configure(json: number, len: number): number
  process(data: number, dataLen: number, result: number, resultLen: number): number
}

/** A guest failure that is not the client's: the reply is a 500 with this code. */
export class GuestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

const encoder = new TextEncoder()

/** A buffer in guest memory. */
interface Buffer {
  ptr: number
  cap: number
}

/**
 * One instance of mixer.wasm, reused by the requests of an isolate (instantiating costs
 * more than processing a frame). Each request calls `initialize` again, which ends the
 * previous session and builds a new chain (the `abi` crate's contract), so every frame
 * goes through a chain in its fresh state, as `new MixerChain(config).process(frame)`
 * does natively, and nothing of one request's audio reaches another's reply. An isolate
 * runs one request's JavaScript at a time and `process` is synchronous, so requests
 * never interleave on the instance. After any failure the instance is dropped and the
 * next request gets a new one.
 */
export class MixerHost {
  private wasm: MixerExports | null = null
  private input: Buffer = { ptr: 0, cap: 0 }
  private output: Buffer = { ptr: 0, cap: 0 }
  private lenPtr = 0
  private sessionId = 0

  /**
   * @param module the compiled mixer.wasm
   * @param onInstance called for each instance started
   * @param onInitFailure called with the code of an instance that failed to start or initialize
   */
  constructor(
    private readonly module: WebAssembly.Module,
    private readonly onInstance: () => void,
    private readonly onInitFailure: (code: string) => void,
  ) {}

  /** `samples` through a fresh chain configured with `configJson` (omitted keys: defaults). */
  process(samples: Float32Array, configJson: string | undefined): Float32Array<ArrayBuffer> {
    try {
      return this.run(samples, configJson)
    } catch (err) {
      // A refused configuration leaves the instance as it was; anything else may not.
      if (!(err instanceof HttpError)) this.wasm = null
      throw err instanceof WebAssembly.RuntimeError ? new GuestError(ErrorCode.WASM_TRAP, `mixer.wasm trapped: ${err.message}`) : err
    }
  }

  private instance(): MixerExports {
    if (this.wasm) return this.wasm
    let wasm: MixerExports
    try {
      wasm = new WebAssembly.Instance(this.module, {}).exports as unknown as MixerExports
    } catch (err) {
      throw new GuestError(ErrorCode.WASM_TRAP, `mixer.wasm did not instantiate: ${(err as Error).message}`)
    }
    this.onInstance()
    this.wasm = wasm
    this.input = { ptr: 0, cap: 0 }
    this.output = { ptr: 0, cap: 0 }
    this.lenPtr = this.alloc(4)
    const id = encoder.encode('worker\0')
    this.sessionId = this.alloc(id.length)
    new Uint8Array(wasm.memory.buffer, this.sessionId, id.length).set(id)
    return wasm
  }

  private alloc(len: number): number {
    const ptr = this.wasm!.alloc(len)
    if (ptr === 0) throw new GuestError(ErrorCode.WASM_MEMORY_LIMIT, `mixer.wasm could not allocate ${len} bytes`)
    return ptr
  }

  /** Grows a guest buffer to at least `len` bytes. */
  private reserve(buf: Buffer, len: number): void {
    if (len <= buf.cap) return
    if (buf.cap > 0) this.wasm!.dealloc(buf.ptr, buf.cap)
    buf.ptr = this.alloc(len)
    buf.cap = len
  }

  /** The instance with a new session (a fresh chain), or the failure counted. */
  private session(): MixerExports {
    try {
      const wasm = this.instance()
      if (wasm.initialize(this.sessionId) !== OK) throw new GuestError(ErrorCode.WASM_GUEST, 'mixer.wasm initialize failed')
      return wasm
    } catch (err) {
      this.onInitFailure(err instanceof GuestError ? err.code : ErrorCode.WASM_TRAP)
      throw err instanceof WebAssembly.RuntimeError ? new GuestError(ErrorCode.WASM_TRAP, `mixer.wasm trapped: ${err.message}`) : err
    }
  }

  private run(samples: Float32Array, configJson: string | undefined): Float32Array<ArrayBuffer> {
    const wasm = this.session()
    if (configJson !== undefined) {
      const json = encoder.encode(configJson)
      const ptr = this.alloc(json.length)
      new Uint8Array(wasm.memory.buffer, ptr, json.length).set(json)
      const rc = wasm.configure(ptr, json.length)
      wasm.dealloc(ptr, json.length)
      if (rc === INVALID_CONFIG) {
        throw new HttpError(ErrorCode.INVALID_CONFIG, 'config is not a valid mixer configuration: an unknown key, a wrong type or a value out of range (the parameters and their ranges are in the README, Mixer chain)')
      }
      if (rc !== OK) throw new GuestError(ErrorCode.WASM_GUEST, `mixer.wasm configure returned ${rc}`)
    }
    const bytes = samples.byteLength
    this.reserve(this.input, bytes)
    this.reserve(this.output, bytes)
    new Uint8Array(wasm.memory.buffer, this.input.ptr, bytes).set(new Uint8Array(samples.buffer, samples.byteOffset, bytes))
    const call = () => {
      new DataView(wasm.memory.buffer).setUint32(this.lenPtr, this.output.cap, true)
      const rc = wasm.process(this.input.ptr, bytes, this.output.ptr, this.lenPtr)
      return { rc, len: new DataView(wasm.memory.buffer).getUint32(this.lenPtr, true) }
    }
    let r = call()
    if (r.rc === BUFFER_TOO_SMALL && r.len <= 4 * bytes) {
      // The module keeps its output for one retry with a bigger buffer (ABI.md).
      this.reserve(this.output, r.len)
      r = call()
    }
    if (r.rc === INVALID_INPUT) throw new HttpError(ErrorCode.INVALID_AUDIO, 'mixer.wasm refused the samples')
    if (r.rc !== OK) throw new GuestError(ErrorCode.WASM_GUEST, `mixer.wasm process returned ${r.rc}`)
    if (r.len !== bytes) throw new GuestError(ErrorCode.WASM_BAD_OUTPUT, `mixer.wasm returned ${r.len} bytes for ${bytes}`)
    // A copy: the next request reuses the buffer.
    return new Float32Array(wasm.memory.buffer.slice(this.output.ptr, this.output.ptr + r.len))
  }
}
