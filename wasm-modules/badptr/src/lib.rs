//! `badptr.wasm` (test module): `process` returns 0 (success) but stores a result length
//! of 0x7fff_fff0, far beyond any buffer. The host must refuse it
//! (`ERR_WASM_BAD_POINTER`) instead of reading past the buffer.
//!
//! Hand-written exports (the `abi` macro would never do this); the signatures are right.

use edgemix_wasm_abi::{export_memory, raw};

const LIE: u32 = 0x7fff_fff0;

export_memory!();

#[unsafe(no_mangle)]
pub extern "C" fn initialize(_session_id: i32) -> i32 {
    0
}

/// # Safety
/// `result_len` points to a u32 in guest memory (host contract).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn process(_data: i32, _data_len: i32, _result: i32, result_len: i32) -> i32 {
    match unsafe { raw::write_u32(result_len, LIE) } {
        Ok(()) => 0,
        Err(code) => code as i32,
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn cleanup() -> i32 {
    0
}
