//! Keeping Node's event loop alive while something in the addon serves, as a listening
//! `net.Server` does.
//!
//! A [`KeepAlive`] is a threadsafe function that is never called: N-API counts it as an
//! active handle of the event loop while it is referenced, so the process does not exit.
//! `unref()` lets the process exit regardless (the work goes on while it lives),
//! `ref()` takes that back. Dropping it releases the handle.

use std::ptr;

use napi::{sys, Env};

/// An event-loop handle held while something serves (see the module docs).
pub struct KeepAlive {
    tsfn: sys::napi_threadsafe_function,
}

// SAFETY: a threadsafe function may be released from any thread; `set_ref` takes the
// JS thread's `Env`, and `Drop` is only ever run on the JS thread (see its docs).
unsafe impl Send for KeepAlive {}
unsafe impl Sync for KeepAlive {}

/// Never invoked: nothing is ever queued on the function.
unsafe extern "C" fn never_called(
    _env: sys::napi_env,
    _js_callback: sys::napi_value,
    _context: *mut std::ffi::c_void,
    _data: *mut std::ffi::c_void,
) {
}

fn check(status: sys::napi_status, what: &str) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::from_reason(format!(
            "{what} failed with N-API status {status}"
        )))
    }
}

impl KeepAlive {
    /// A referenced handle: the process stays alive until it is unreferenced or dropped.
    pub fn new(env: &Env, name: &str) -> napi::Result<Self> {
        let mut resource_name = ptr::null_mut();
        let mut tsfn = ptr::null_mut();
        // SAFETY: plain N-API calls on the JS thread; a null function is allowed with a
        // `call_js` callback (N-API 5), and nothing is ever queued.
        unsafe {
            check(
                sys::napi_create_string_utf8(
                    env.raw(),
                    name.as_ptr().cast(),
                    name.len() as isize,
                    &mut resource_name,
                ),
                "naming the keep-alive handle",
            )?;
            check(
                sys::napi_create_threadsafe_function(
                    env.raw(),
                    ptr::null_mut(),
                    ptr::null_mut(),
                    resource_name,
                    0,
                    1,
                    ptr::null_mut(),
                    None,
                    ptr::null_mut(),
                    Some(never_called),
                    &mut tsfn,
                ),
                "creating the keep-alive handle",
            )?;
        }
        Ok(Self { tsfn })
    }

    /// Whether the handle keeps the process alive (`ref()` / `unref()`), on the JS thread.
    pub fn set_ref(&self, env: &Env, referenced: bool) -> napi::Result<()> {
        // SAFETY: a live threadsafe function, on the JS thread of its env.
        let status = unsafe {
            if referenced {
                sys::napi_ref_threadsafe_function(env.raw(), self.tsfn)
            } else {
                sys::napi_unref_threadsafe_function(env.raw(), self.tsfn)
            }
        };
        check(status, "changing the keep-alive handle")
    }
}

impl Drop for KeepAlive {
    /// Releases the handle. Must run on the JS thread while its env lives (a release
    /// after the env's teardown would touch freed memory): its owners drop it in JS-thread
    /// callbacks, and a handle still held at exit is in a static that is never dropped.
    fn drop(&mut self) {
        // SAFETY: a live threadsafe function, released once.
        unsafe {
            sys::napi_release_threadsafe_function(
                self.tsfn,
                sys::ThreadsafeFunctionReleaseMode::release,
            );
        }
    }
}
