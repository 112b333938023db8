//! What the fuzz targets share: a reader that carves typed values out of libFuzzer's
//! bytes, an allocator that measures the peak heap use of one call, and a WASM guest
//! whose every answer the fuzzer chooses.
//!
//! Each target is thin: it decodes its input with [`Carve`], calls the public core
//! function that owns the boundary and checks the properties that must hold for every
//! input (no panic, a coded error, bounded memory, ...).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Reads typed values from the front of a byte string; past its end every read is zero,
/// so any input decodes to something.
pub struct Carve<'a> {
    bytes: &'a [u8],
}

impl<'a> Carve<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    pub fn u8(&mut self) -> u8 {
        let (&first, rest) = self.bytes.split_first().unwrap_or((&0, &[]));
        self.bytes = rest;
        first
    }

    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    /// A fraction in [0, 1] with 16-bit resolution (0 and 1 included).
    pub fn unit(&mut self) -> f64 {
        f64::from(self.u16()) / f64::from(u16::MAX)
    }

    /// `len` bytes (fewer at the end).
    pub fn take(&mut self, len: usize) -> &'a [u8] {
        let (head, rest) = self.bytes.split_at(len.min(self.bytes.len()));
        self.bytes = rest;
        head
    }

    /// Everything not read yet.
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.bytes)
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

/// The system allocator, counting the bytes live and the peak since [`PeakAlloc::reset`].
/// A target installs it as its `#[global_allocator]`. Only Rust allocations are counted
/// (libFuzzer's own use `malloc` directly); the counts are process-wide.
pub struct PeakAlloc;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

impl PeakAlloc {
    /// Starts a measurement: the peak becomes what is live now.
    pub fn reset() {
        PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
    }

    /// Bytes live now.
    pub fn live() -> usize {
        LIVE.load(Ordering::Relaxed)
    }

    /// The most bytes live at once since the last reset.
    pub fn peak() -> usize {
        PEAK.load(Ordering::Relaxed)
    }

    /// Runs `f` and returns its result with the heap it used at most beyond what was
    /// live when it started, bytes.
    pub fn measure<T>(f: impl FnOnce() -> T) -> (T, usize) {
        let before = Self::live();
        Self::reset();
        let out = f();
        (out, Self::peak().saturating_sub(before))
    }

    fn grew(size: usize) {
        let live = LIVE.fetch_add(size, Ordering::Relaxed) + size;
        PEAK.fetch_max(live, Ordering::Relaxed);
    }
}

// SAFETY: every call is forwarded to `System` unchanged; only counters are added.
unsafe impl GlobalAlloc for PeakAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = System.alloc(layout);
        if !ptr.is_null() {
            Self::grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = System.alloc_zeroed(layout);
        if !ptr.is_null() {
            Self::grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = System.realloc(ptr, layout, new_size);
        if !new.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            Self::grew(new_size);
        }
        new
    }
}

/// The guest. Memory: page 0 holds the `describe` JSON at 16; `alloc` bumps from 1024
/// (growing memory as needed) unless armed. `process` commands (`op` = first byte):
/// 0 echo the payload with the buffer protocol; 1 report `b` bytes, copy the payload to
/// `result + c` and return `a`; 2 trap; 3 grow memory by `a` pages and return 0 or -1;
/// 4 spin forever; 5 arm the next `alloc` to return `a`, then echo; 6 make `cleanup`
/// return `a`, then echo; 7 call `call_remote_service(a, b, c, p0, p1, p2)` (`p*` the
/// payload's first three i32) and return its code.
const GUEST: &str = r#"
(module
  (import "env" "call_remote_service"
    (func $remote (param i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (global $bump (mut i32) (i32.const 1024))
  (global $armed (mut i32) (i32.const 0))
  (global $armed_ptr (mut i32) (i32.const 0))
  (global $cleanup_code (mut i32) (i32.const 0))
  (data (i32.const 16) "DESCRIBE")

  (func (export "alloc") (param $len i32) (result i32)
    (local $ptr i32) (local $end i32)
    (if (global.get $armed)
      (then
        (global.set $armed (i32.const 0))
        (return (global.get $armed_ptr))))
    (local.set $ptr (global.get $bump))
    (local.set $end (i32.add (local.get $ptr)
      (i32.and (i32.add (local.get $len) (i32.const 7)) (i32.const -8))))
    (if (i32.lt_u (local.get $end) (local.get $ptr)) (then (return (i32.const 0))))
    (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
      (then
        (if (i32.eq
              (memory.grow (i32.sub
                (i32.shr_u (i32.add (local.get $end) (i32.const 65535)) (i32.const 16))
                (memory.size)))
              (i32.const -1))
          (then (return (i32.const 0))))))
    (global.set $bump (local.get $end))
    (local.get $ptr))

  (func (export "dealloc") (param i32 i32))
  (func (export "initialize") (param i32) (result i32) (i32.const 0))
  (func (export "cleanup") (result i32) (global.get $cleanup_code))

  ;; The buffer protocol: `len` bytes at `src` into `result` (capacity at `result_len`).
  (func $answer (param $src i32) (param $len i32) (param $result i32) (param $result_len i32)
    (result i32)
    (if (i32.gt_u (local.get $len) (i32.load (local.get $result_len)))
      (then
        (i32.store (local.get $result_len) (local.get $len))
        (return (i32.const -2))))
    (memory.copy (local.get $result) (local.get $src) (local.get $len))
    (i32.store (local.get $result_len) (local.get $len))
    (i32.const 0))

  (func (export "describe") (param $result i32) (param $result_len i32) (result i32)
    (call $answer (i32.const 16) (i32.const DESCRIBE_LEN) (local.get $result) (local.get $result_len)))

  (func (export "process") (param $data i32) (param $len i32) (param $result i32) (param $result_len i32)
    (result i32)
    (local $op i32) (local $a i32) (local $b i32) (local $c i32) (local $payload i32) (local $plen i32)
    (if (i32.lt_u (local.get $len) (i32.const 13))
      (then (return (call $answer (local.get $data) (local.get $len) (local.get $result) (local.get $result_len)))))
    (local.set $op (i32.load8_u (local.get $data)))
    (local.set $a (i32.load (i32.add (local.get $data) (i32.const 1))))
    (local.set $b (i32.load (i32.add (local.get $data) (i32.const 5))))
    (local.set $c (i32.load (i32.add (local.get $data) (i32.const 9))))
    (local.set $payload (i32.add (local.get $data) (i32.const 13)))
    (local.set $plen (i32.sub (local.get $len) (i32.const 13)))
    (block $echo
      (block $op6 (block $op5 (block $op4 (block $op3 (block $op2 (block $op1 (block $op0
        (br_table $op0 $op1 $op2 $op3 $op4 $op5 $op6 $echo (i32.rem_u (local.get $op) (i32.const 8))))
        ;; 0: echo
        (br $echo))
        ;; 1: any code, any reported length, output anywhere
        (i32.store (local.get $result_len) (local.get $b))
        (memory.copy (i32.add (local.get $result) (local.get $c)) (local.get $payload) (local.get $plen))
        (return (local.get $a)))
        ;; 2: trap
        unreachable)
        ;; 3: grow
        (return (i32.sub (i32.const 0) (i32.eq (memory.grow (local.get $a)) (i32.const -1)))))
        ;; 4: spin
        (loop $forever (br $forever))
        unreachable)
        ;; 5: arm alloc
        (global.set $armed (i32.const 1))
        (global.set $armed_ptr (local.get $a))
        (br $echo))
        ;; 6: cleanup's code
        (global.set $cleanup_code (local.get $a))
        (br $echo))
    ;; 7 (and any other): the remote call when asked, else echo
    (if (i32.eq (i32.rem_u (local.get $op) (i32.const 8)) (i32.const 7))
      (then
        (return (call $remote (local.get $a) (local.get $b) (local.get $c)
          (i32.load (local.get $payload))
          (i32.load (i32.add (local.get $payload) (i32.const 4)))
          (i32.load (i32.add (local.get $payload) (i32.const 8)))))))
    (call $answer (local.get $payload) (local.get $plen) (local.get $result) (local.get $result_len)))
)
"#;

/// Whether the guest's command 4 spins until the time limit stops it, or traps at once
/// (where a slow call would only slow the fuzzer down: its limit is the caller's choice).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Spin {
    Forever,
    Trap,
}

/// The guest's binary, declaring `output` ("bytes", "f32" or "json") in `describe`.
pub fn guest(output: &str, spin: Spin) -> Vec<u8> {
    let describe =
        format!(r#"{{"name":"fuzz-guest","version":"1","input":"bytes","output":"{output}"}}"#);
    let mut wat = GUEST
        .replace("DESCRIBE_LEN", &describe.len().to_string())
        .replace("DESCRIBE", &describe.replace('"', "\\\""));
    if spin == Spin::Trap {
        wat = wat.replace("(loop $forever (br $forever))", "");
    }
    wat::parse_str(&wat).expect("the guest assembles")
}
