//! The bodies of the exports that [`export_module!`](crate::export_module) and
//! [`export_memory!`](crate::export_memory) emit. Not for direct use.

use std::alloc::Layout;

use crate::{raw, Code, Module};

/// Alignment of every `alloc` buffer: enough for any scalar the host may place there.
const ALIGN: usize = 8;

/// The layout `alloc` and `dealloc` agree on for `len` bytes (a zero-length buffer
/// still gets a real, distinct address: 0 means failure).
fn layout(len: i32) -> Option<Layout> {
    let len = usize::try_from(len).ok()?;
    Layout::from_size_align(len.max(1), ALIGN).ok()
}

/// `alloc(len) -> ptr`, 0 if it cannot.
pub fn alloc(len: i32) -> i32 {
    match layout(len) {
        // SAFETY: the layout has a non-zero size.
        Some(layout) => raw::addr(unsafe { std::alloc::alloc(layout) }),
        None => 0,
    }
}

/// `dealloc(ptr, len)`; ignores 0 and negative lengths.
///
/// # Safety
/// `ptr` comes from `alloc(len)` with the same `len` and is freed once.
pub unsafe fn dealloc(ptr: i32, len: i32) {
    if let (true, Some(layout)) = (ptr != 0, layout(len)) {
        // SAFETY: allocated by `alloc` with this layout (caller).
        unsafe { std::alloc::dealloc(ptr as u32 as usize as *mut u8, layout) };
    }
}

/// The module-level state behind the exports of one module.
pub struct Session<M> {
    module: Option<M>,
    /// Output of the last `process` call (reused between calls).
    output: Vec<u8>,
    /// Set when the last `process` returned -2: a copy of its input. `output` then holds
    /// its result, to be handed over if the next call passes the same input.
    retry_input: Option<Vec<u8>>,
}

impl<M> Session<M> {
    pub const fn new() -> Self {
        Self {
            module: None,
            output: Vec::new(),
            retry_input: None,
        }
    }
}

impl<M> Default for Session<M> {
    fn default() -> Self {
        Self::new()
    }
}

fn code(result: Result<i32, Code>) -> i32 {
    result.unwrap_or_else(Code::returned)
}

/// `initialize(session_id) -> code`. A second call ends the current session first.
///
/// # Safety
/// Host contract (ABI.md): `session_id` is a NUL-terminated string in guest memory.
pub unsafe fn initialize<M: Module>(session: &mut Session<M>, session_id: i32) -> i32 {
    code((|| {
        let id = unsafe { raw::c_str(session_id)? };
        let id = std::str::from_utf8(id).map_err(|_| Code::InvalidInput)?;
        cleanup_session(session);
        session.module = Some(M::initialize(id)?);
        Ok(0)
    })())
}

/// `configure(json, json_len) -> code`. Invalid UTF-8 is [`Code::InvalidConfig`].
///
/// # Safety
/// Host contract: `json..json + json_len` is not written during the call.
pub unsafe fn configure<M: Module>(session: &mut Session<M>, json: i32, json_len: i32) -> i32 {
    code((|| {
        let module = session.module.as_mut().ok_or(Code::NotInitialized)?;
        let json = unsafe { raw::bytes(json, json_len)? };
        let json = std::str::from_utf8(json).map_err(|_| Code::InvalidConfig)?;
        module.configure(json)?;
        Ok(0)
    })())
}

/// `process(data, data_len, result, result_len) -> code`, with the buffer protocol.
///
/// When the result buffer is too small this returns -2 and keeps both the output and a
/// copy of the input. If the next call passes the same input (the host's retry), the
/// kept output is handed over without processing again; any other input drops it (the
/// host gave up on that output) and is processed as usual.
///
/// # Safety
/// Host contract: the input, result and length regions do not overlap and are not
/// written by anyone else during the call.
pub unsafe fn process<M: Module>(
    session: &mut Session<M>,
    data: i32,
    data_len: i32,
    result: i32,
    result_len: i32,
) -> i32 {
    code((|| {
        let module = session.module.as_mut().ok_or(Code::NotInitialized)?;
        let input = unsafe { raw::bytes(data, data_len)? };
        // Check the result buffer before the module sees (and applies) the input.
        let capacity = unsafe { raw::read_u32(result_len)? };
        raw::check(result, capacity as usize)?;

        let retry = session.retry_input.take().is_some_and(|kept| kept == input);
        if !retry {
            session.output.clear();
            if let Err(code) = module.process(input, &mut session.output) {
                session.output.clear();
                return Err(code);
            }
        }
        let status = unsafe { raw::deliver(&session.output, result, result_len)? };
        if status == Code::BufferTooSmall as i32 {
            session.retry_input = Some(input.to_vec());
        }
        Ok(status)
    })())
}

/// `cleanup() -> code`: ends the session (0 also when there is none).
pub fn cleanup<M: Module>(session: &mut Session<M>) -> i32 {
    cleanup_session(session);
    0
}

fn cleanup_session<M: Module>(session: &mut Session<M>) {
    if let Some(mut module) = session.module.take() {
        module.cleanup();
    }
    session.output = Vec::new();
    session.retry_input = None;
}

/// `describe(result, result_len) -> code`: [`crate::describe_json`] through the buffer
/// protocol (stateless: a retry computes it again).
///
/// # Safety
/// Host contract: the result and length regions are not written by anyone else.
pub unsafe fn describe<M: Module>(result: i32, result_len: i32) -> i32 {
    code(unsafe { raw::deliver(crate::describe_json::<M>().as_bytes(), result, result_len) })
}

/// Emits the ABI's `alloc(len: i32) -> i32` and `dealloc(ptr: i32, len: i32)`.
/// [`export_module!`](crate::export_module) includes them; hand-written modules use this.
#[macro_export]
macro_rules! export_memory {
    () => {
        const _: () = {
            /// ABI `alloc`: a buffer of `len` bytes for the host, 0 if it cannot.
            #[unsafe(no_mangle)]
            pub extern "C" fn alloc(len: i32) -> i32 {
                $crate::exports::alloc(len)
            }

            /// ABI `dealloc`: frees a buffer from `alloc`.
            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn dealloc(ptr: i32, len: i32) {
                unsafe { $crate::exports::dealloc(ptr, len) }
            }
        };
    };
}

/// Emits every export of the ABI for a type that implements [`Module`](crate::Module):
/// `alloc`, `dealloc`, `initialize`, `configure`, `process`, `cleanup` and `describe`.
/// Use it once per module crate.
#[macro_export]
macro_rules! export_module {
    ($module:ty) => {
        $crate::export_memory!();

        const _: () = {
            ::std::thread_local! {
                static SESSION: ::core::cell::RefCell<$crate::exports::Session<$module>> =
                    const { ::core::cell::RefCell::new($crate::exports::Session::new()) };
            }

            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn initialize(session_id: i32) -> i32 {
                SESSION.with_borrow_mut(|s| unsafe { $crate::exports::initialize(s, session_id) })
            }

            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn configure(json: i32, json_len: i32) -> i32 {
                SESSION
                    .with_borrow_mut(|s| unsafe { $crate::exports::configure(s, json, json_len) })
            }

            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn process(
                data: i32,
                data_len: i32,
                result: i32,
                result_len: i32,
            ) -> i32 {
                SESSION.with_borrow_mut(|s| unsafe {
                    $crate::exports::process(s, data, data_len, result, result_len)
                })
            }

            #[unsafe(no_mangle)]
            pub extern "C" fn cleanup() -> i32 {
                SESSION.with_borrow_mut($crate::exports::cleanup)
            }

            #[unsafe(no_mangle)]
            pub unsafe extern "C" fn describe(result: i32, result_len: i32) -> i32 {
                unsafe { $crate::exports::describe::<$module>(result, result_len) }
            }
        };
    };
}
