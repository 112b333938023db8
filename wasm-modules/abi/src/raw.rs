//! Pointers and lengths as the host passes them: `i32` offsets into linear memory.
//!
//! Every helper checks that the region lies inside the current linear memory (so a bad
//! host pointer is an error, not a trap) and that a non-empty region is not at address
//! 0. What no check can establish is that the region does not alias memory Rust owns:
//! that is the host's side of the contract, hence `unsafe`.

use crate::Code;

/// The ABI's `i32` for a pointer (wasm32 pointers are 32 bits).
pub fn addr<T>(ptr: *const T) -> i32 {
    ptr as usize as i32
}

/// Bytes of linear memory now (up to 2^32, hence `u64`).
fn memory_len() -> u64 {
    core::arch::wasm32::memory_size(0) as u64 * 65536
}

/// The start of `ptr..ptr + len` after checking it lies inside linear memory.
fn region(ptr: i32, len: usize) -> Result<*mut u8, Code> {
    let start = ptr as u32;
    if len == 0 {
        return Ok(start as usize as *mut u8);
    }
    if start == 0 || u64::from(start) + len as u64 > memory_len() {
        return Err(Code::Failed);
    }
    Ok(start as usize as *mut u8)
}

/// Checks that `ptr..ptr + len` lies inside linear memory (and is not at 0 unless empty).
pub fn check(ptr: i32, len: usize) -> Result<(), Code> {
    region(ptr, len).map(drop)
}

/// The `len` bytes at `ptr` (empty for `len == 0`, whatever `ptr`).
///
/// # Safety
/// Nothing may write to the region while the slice is alive.
pub unsafe fn bytes<'a>(ptr: i32, len: i32) -> Result<&'a [u8], Code> {
    let len = usize::try_from(len).map_err(|_| Code::Failed)?;
    if len == 0 {
        return Ok(&[]);
    }
    let start = region(ptr, len)?;
    // SAFETY: in bounds and non-null (checked), u8 has no alignment; no writer (caller).
    Ok(unsafe { core::slice::from_raw_parts(start, len) })
}

/// The longest NUL-terminated string [`c_str`] reads, NUL included.
pub const MAX_C_STR: usize = 64 * 1024;

/// The bytes of the NUL-terminated string at `ptr`, without the NUL. No NUL within
/// [`MAX_C_STR`] bytes or before the end of memory is [`Code::InvalidInput`].
///
/// # Safety
/// As [`bytes`].
pub unsafe fn c_str<'a>(ptr: i32) -> Result<&'a [u8], Code> {
    let start = u64::from(ptr as u32);
    if start == 0 || start >= memory_len() {
        return Err(Code::Failed);
    }
    let scan = (memory_len() - start).min(MAX_C_STR as u64) as i32;
    // SAFETY: in bounds (checked by `bytes`); no writer (caller).
    let rest = unsafe { bytes(ptr, scan)? };
    let len = rest
        .iter()
        .position(|&b| b == 0)
        .ok_or(Code::InvalidInput)?;
    Ok(&rest[..len])
}

/// Reads the little-endian `u32` at `ptr` (any alignment).
///
/// # Safety
/// No Rust reference may be writing the 4 bytes.
pub unsafe fn read_u32(ptr: i32) -> Result<u32, Code> {
    let at = region(ptr, 4)?;
    // SAFETY: 4 bytes in bounds (checked); unaligned read.
    Ok(unsafe { at.cast::<u32>().read_unaligned() })
}

/// Writes `value` as a little-endian `u32` at `ptr` (any alignment).
///
/// # Safety
/// No Rust reference may point into the 4 bytes.
pub unsafe fn write_u32(ptr: i32, value: u32) -> Result<(), Code> {
    let at = region(ptr, 4)?;
    // SAFETY: 4 bytes in bounds (checked); unaligned write; no aliasing (caller).
    unsafe { at.cast::<u32>().write_unaligned(value) };
    Ok(())
}

/// Copies `data` to `ptr`.
///
/// # Safety
/// No Rust reference other than `data` may point into the destination (`data` itself
/// may overlap it: the copy is a `memmove`).
pub unsafe fn write_bytes(ptr: i32, data: &[u8]) -> Result<(), Code> {
    let at = region(ptr, data.len())?;
    if !data.is_empty() {
        // SAFETY: destination in bounds (checked); overlap allowed by `copy`.
        unsafe { core::ptr::copy(data.as_ptr(), at, data.len()) };
    }
    Ok(())
}

/// The buffer protocol's answer: `data` to the buffer at `result` whose capacity is the
/// `u32` at `result_len`. Returns 0 after storing the length, or `-2` after storing the
/// required length (nothing written) when the capacity is too small.
///
/// # Safety
/// As [`write_bytes`] and [`write_u32`].
pub unsafe fn deliver(data: &[u8], result: i32, result_len: i32) -> Result<i32, Code> {
    let capacity = unsafe { read_u32(result_len)? } as usize;
    let len = u32::try_from(data.len()).map_err(|_| Code::Failed)?;
    if data.len() > capacity {
        unsafe { write_u32(result_len, len)? };
        return Ok(Code::BufferTooSmall as i32);
    }
    unsafe {
        write_bytes(result, data)?;
        write_u32(result_len, len)?;
    }
    Ok(0)
}
