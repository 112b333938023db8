//! `bigout.wasm` (test module): `process` always returns -2 (buffer too small) and asks
//! for 512 MiB. The host must cap it (`ERR_WASM_OUTPUT_TOO_LARGE`) rather than allocate.
//!
//! Hand-written exports with the right signatures; no `describe` (bytes in, bytes out).

use edgemix_wasm_abi::{export_memory, raw, Code};

const CLAIM: u32 = 512 << 20;

export_memory!();

#[unsafe(no_mangle)]
pub extern "C" fn initialize(_session_id: i32) -> i32 {
    0
}

/// # Safety
/// `result_len` points to a u32 in guest memory (host contract).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn process(_data: i32, _data_len: i32, _result: i32, result_len: i32) -> i32 {
    match unsafe { raw::write_u32(result_len, CLAIM) } {
        Ok(()) => Code::BufferTooSmall as i32,
        Err(code) => code as i32,
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn cleanup() -> i32 {
    0
}
