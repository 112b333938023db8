//! `oom.wasm` (test module): `process` grows linear memory 1 MiB at a time, touching
//! each new MiB, until the host refuses (`maxMemoryMb`); then it traps, as a Rust
//! allocation failure would.

use core::arch::wasm32;

use edgemix_wasm_abi::{export_module, Code, Format, Module};

const PAGE: usize = 65536;
const STEP_PAGES: usize = 16; // 1 MiB

struct Oom;

impl Module for Oom {
    const NAME: &'static str = "oom";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str =
        "Test module: process grows memory until the host refuses, then traps";
    const INPUT: Format = Format::Bytes;
    const OUTPUT: Format = Format::Bytes;

    fn initialize(_session_id: &str) -> Result<Self, Code> {
        Ok(Oom)
    }

    fn process(&mut self, _input: &[u8], _output: &mut Vec<u8>) -> Result<(), Code> {
        loop {
            let previous = wasm32::memory_grow(0, STEP_PAGES);
            if previous == usize::MAX {
                // Refused (or 4 GiB reached).
                wasm32::unreachable();
            }
            // SAFETY: the pages just grown belong to nobody (the allocator takes pages
            // only through its own memory.grow calls); a volatile write commits them.
            unsafe { ((previous * PAGE + STEP_PAGES * PAGE - 1) as *mut u8).write_volatile(1) };
        }
    }
}

export_module!(Oom);
