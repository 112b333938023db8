//! `spin.wasm` (test module): `process` never returns. The host must interrupt it
//! (`timeoutMs`, epoch interruption).

use edgemix_wasm_abi::{export_module, Code, Format, Module};

struct Spin;

impl Module for Spin {
    const NAME: &'static str = "spin";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str = "Test module: process loops forever";
    const INPUT: Format = Format::Bytes;
    const OUTPUT: Format = Format::Bytes;

    fn initialize(_session_id: &str) -> Result<Self, Code> {
        Ok(Spin)
    }

    fn process(&mut self, input: &[u8], _output: &mut Vec<u8>) -> Result<(), Code> {
        // `black_box` makes every iteration observable: the optimizer can neither drop
        // the loop nor prove it infinite and replace it with a trap.
        let mut n = input.len() as u64;
        loop {
            n = core::hint::black_box(n.wrapping_add(1));
        }
    }
}

export_module!(Spin);
