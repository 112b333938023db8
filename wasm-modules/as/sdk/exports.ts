// The ABI exports (wasm-modules/ABI.md) for a module that called `register()`. Its entry
// file re-exports them: `export * from "<sdk>/exports"`.
//
// Every pointer and length the host passes is checked against linear memory (a bad one
// returns FAILED, not a trap). Host buffers come from `heap.alloc`, outside the garbage
// collector; the module's own objects are collected as usual.

import {
  BUFFER_TOO_SMALL, Config, FAILED, Format, INVALID_CONFIG, INVALID_INPUT, Input, Module, NOT_INITIALIZED, OK, Output,
  registered, utf8,
} from "./index"

/** The longest NUL-terminated session id `initialize` reads, NUL included. */
const MAX_C_STR: i32 = 64 * 1024

let current: Module | null = null
const output = new Output()
/** Set when the last `process` returned BUFFER_TOO_SMALL: a copy of its input. */
let retryInput: Uint8Array | null = null

function memoryBytes(): u64 {
  return <u64>memory.size() << 16
}

/** `ptr..ptr + len` lies inside linear memory, and is not at 0 unless empty. */
function inMemory(ptr: usize, len: i32): bool {
  if (len < 0) return false
  if (len == 0) return true
  return ptr != 0 && <u64>ptr + <u64>len <= memoryBytes()
}

/** The buffer protocol's answer: OK after writing, or BUFFER_TOO_SMALL with the length needed. */
function deliver(ptr: usize, len: i32, result: usize, resultLen: usize): i32 {
  if (!inMemory(resultLen, 4)) return FAILED
  const capacity = load<u32>(resultLen)
  if (<u32>len > capacity) {
    store<u32>(resultLen, <u32>len)
    return BUFFER_TOO_SMALL
  }
  if (!inMemory(result, len)) return FAILED
  memory.copy(result, ptr, <usize>len)
  store<u32>(resultLen, <u32>len)
  return OK
}

/** A module's own BUFFER_TOO_SMALL would break the protocol: it is reported as FAILED. */
function returned(code: i32): i32 {
  return code == BUFFER_TOO_SMALL ? FAILED : code
}

function endSession(): void {
  const module = current
  if (module != null) module.cleanup()
  current = null
  output.clear()
  retryInput = null
}

/** ABI `alloc(len) -> ptr`: 0 for a negative length. */
export function alloc(len: i32): usize {
  if (len < 0) return 0
  return heap.alloc(<usize>max(len, 1))
}

/** ABI `dealloc(ptr, len)`: frees a buffer from `alloc`. */
export function dealloc(ptr: usize, len: i32): void {
  if (ptr != 0) heap.free(ptr)
}

/** ABI `initialize(session_id) -> code`; a second call ends the current session first. */
export function initialize(sessionId: usize): i32 {
  if (sessionId == 0 || <u64>sessionId >= memoryBytes()) return FAILED
  const scan = <i32>min<u64>(memoryBytes() - <u64>sessionId, <u64>MAX_C_STR)
  let len = 0
  while (len < scan && load<u8>(sessionId + <usize>len) != 0) len++
  if (len == scan) return INVALID_INPUT
  const id = utf8(sessionId, len)
  if (id == null) return INVALID_INPUT
  endSession()
  const module = registered().factory(id)
  if (module == null) return FAILED
  current = module
  return OK
}

/** ABI `configure(json, json_len) -> code`: INVALID_CONFIG for JSON that is not a flat object. */
export function configure(json: usize, jsonLen: i32): i32 {
  const module = current
  if (module == null) return NOT_INITIALIZED
  if (!inMemory(json, jsonLen)) return FAILED
  const text = utf8(json, jsonLen)
  if (text == null) return INVALID_CONFIG
  const config = Config.parse(text)
  if (config == null) return INVALID_CONFIG
  return returned(module.configure(config))
}

/** `len` bytes at `ptr` equal `kept`. */
function same(kept: Uint8Array, ptr: usize, len: i32): bool {
  return kept.length == len && memory.compare(kept.dataStart, ptr, <usize>len) == 0
}

/**
 * ABI `process(data, data_len, result, result_len) -> code`. After BUFFER_TOO_SMALL the
 * output and a copy of the input are kept; when the next call passes the same input (the
 * host's retry) the kept output is handed over without processing it again.
 */
export function process(data: usize, dataLen: i32, result: usize, resultLen: usize): i32 {
  const module = current
  if (module == null) return NOT_INITIALIZED
  if (!inMemory(data, dataLen) || !inMemory(resultLen, 4)) return FAILED
  // Check the result buffer before the module sees (and applies) the input.
  if (!inMemory(result, <i32>min<u32>(load<u32>(resultLen), <u32>i32.MAX_VALUE))) return FAILED
  const kept = retryInput
  retryInput = null
  if (kept == null || !same(kept, data, dataLen)) {
    if (registered().info.input == Format.F32 && (dataLen & 3) != 0) return INVALID_INPUT
    output.clear()
    const code = module.process(new Input(data, dataLen), output)
    if (code != OK) {
      output.clear()
      return returned(code)
    }
  }
  const status = deliver(output.ptr, output.length, result, resultLen)
  if (status == BUFFER_TOO_SMALL) {
    const copy = new Uint8Array(dataLen)
    memory.copy(copy.dataStart, data, <usize>dataLen)
    retryInput = copy
  }
  return status
}

/** ABI `cleanup() -> code`: ends the session (OK also when there is none). */
export function cleanup(): i32 {
  endSession()
  return OK
}

/** ABI `describe(result, result_len) -> code`: the registered ModuleInfo as JSON. */
export function describe(result: usize, resultLen: usize): i32 {
  const json = String.UTF8.encode(registered().info.toJson())
  return deliver(changetype<usize>(json), json.byteLength, result, resultLen)
}
