//! `badabi.wasm` (test module): exports `process` with a wrong signature
//! (`(i32, i32) -> i32` instead of `(i32, i32, i32, i32) -> i32`) and no `cleanup`.
//! The host must refuse it at load time with `ERR_WASM_ABI`, naming the export.

use edgemix_wasm_abi::export_memory;

export_memory!();

#[unsafe(no_mangle)]
pub extern "C" fn initialize(_session_id: i32) -> i32 {
    0
}

/// Wrong: two parameters.
#[unsafe(no_mangle)]
pub extern "C" fn process(_data: i32, data_len: i32) -> i32 {
    data_len
}
