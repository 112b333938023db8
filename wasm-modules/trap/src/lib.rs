//! `trap.wasm` (test module): `process` executes `unreachable`.

use edgemix_wasm_abi::{export_module, Code, Format, Module};

struct Trap;

impl Module for Trap {
    const NAME: &'static str = "trap";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str = "Test module: process traps (unreachable)";
    const INPUT: Format = Format::Bytes;
    const OUTPUT: Format = Format::Bytes;

    fn initialize(_session_id: &str) -> Result<Self, Code> {
        Ok(Trap)
    }

    fn process(&mut self, _input: &[u8], _output: &mut Vec<u8>) -> Result<(), Code> {
        core::arch::wasm32::unreachable()
    }
}

export_module!(Trap);
