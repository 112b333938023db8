// AudioWorklet processor running mixer.wasm (wasm32-unknown-unknown, the ABI of
// wasm-modules/ABI.md): each 128-sample render quantum goes through the module's
// process(); the chain's state carries across quanta, so the output equals the native
// chain fed the same signal (the chain is block-size independent).

const BUFFER_TOO_SMALL = -2

class MixerProcessor extends AudioWorkletProcessor {
  constructor(options) {
    super()
    // The page encodes the text (TextEncoder is not in every worklet scope): the
    // NUL-terminated session id and the configuration as UTF-8 JSON.
    const { module, sessionId, configJson } = options.processorOptions
    this.wasm = new WebAssembly.Instance(module, {}).exports
    this.failed = null
    this.withBytes(sessionId, (ptr) => this.check(this.wasm.initialize(ptr), 'initialize'))
    this.withBytes(configJson, (ptr, len) => this.check(this.wasm.configure(ptr, len), 'configure'))
    this.input = { ptr: this.alloc(512), cap: 512 }
    this.output = { ptr: this.alloc(512), cap: 512 }
    this.lenPtr = this.alloc(4)
  }

  alloc(len) {
    const ptr = this.wasm.alloc(len)
    if (ptr === 0) throw new Error(`mixer.wasm could not allocate ${len} bytes`)
    return ptr
  }

  /** Calls `fn(ptr, len)` with `data` copied into guest memory, then frees it. */
  withBytes(data, fn) {
    const ptr = this.alloc(data.length)
    new Uint8Array(this.wasm.memory.buffer, ptr, data.length).set(data)
    try {
      fn(ptr, data.length)
    } finally {
      this.wasm.dealloc(ptr, data.length)
    }
  }

  check(rc, what) {
    if (rc !== 0) throw new Error(`mixer.wasm ${what} returned ${rc}`)
  }

  /** Grows a guest buffer to at least `len` bytes. */
  reserve(buf, len) {
    if (len <= buf.cap) return
    this.wasm.dealloc(buf.ptr, buf.cap)
    buf.ptr = this.alloc(len)
    buf.cap = len
  }

  /** One call of the module's process() on the input bytes; the required size on -2. */
  call(bytes) {
    new Uint32Array(this.wasm.memory.buffer, this.lenPtr, 1)[0] = this.output.cap
    const rc = this.wasm.process(this.input.ptr, bytes, this.output.ptr, this.lenPtr)
    return { rc, len: new Uint32Array(this.wasm.memory.buffer, this.lenPtr, 1)[0] }
  }

  process(inputs, outputs) {
    const output = outputs[0][0]
    const input = inputs[0][0] ?? new Float32Array(output.length) // nothing connected: silence
    const bytes = input.length * 4
    this.reserve(this.input, bytes)
    this.reserve(this.output, bytes)
    new Float32Array(this.wasm.memory.buffer, this.input.ptr, input.length).set(input)
    let r = this.call(bytes)
    if (r.rc === BUFFER_TOO_SMALL) {
      // The module keeps its output for one retry with a bigger buffer (ABI.md).
      this.reserve(this.output, r.len)
      r = this.call(bytes)
    }
    if (r.rc !== 0) {
      if (this.failed === null) {
        this.failed = r.rc
        this.port.postMessage({ error: `mixer.wasm process returned ${r.rc}` })
      }
      output.fill(0)
      return true
    }
    output.set(new Float32Array(this.wasm.memory.buffer, this.output.ptr, r.len / 4))
    return true
  }
}

registerProcessor('edgemix-mixer', MixerProcessor)
