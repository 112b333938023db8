//! `echo.wasm`: the output is the input, byte for byte.

use edgemix_wasm_abi::{export_module, Code, Format, Module};

struct Echo;

impl Module for Echo {
    const NAME: &'static str = "echo";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str = "Returns its input unchanged";
    const INPUT: Format = Format::Bytes;
    const OUTPUT: Format = Format::Bytes;

    fn initialize(_session_id: &str) -> Result<Self, Code> {
        Ok(Echo)
    }

    fn process(&mut self, input: &[u8], output: &mut Vec<u8>) -> Result<(), Code> {
        output.extend_from_slice(input);
        Ok(())
    }
}

export_module!(Echo);
