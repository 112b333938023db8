//! `text_normalize.wasm`: `edgemix_preprocess::text` (the cloud `TextNormalize` node's
//! source), so edge and cloud give identical results.
//!
//! Configuration: `{ "form": "NFKC", "lowercase": true, "split": "whitespace",
//! "maxBytes": 1048576 }` (all optional; see `TextConfig`); a refused one is `-4`.
//! Input: UTF-8 text. Output: JSON `{"text": ..., "tokens": [...]}`. Input that is not
//! UTF-8 or longer than `maxBytes` is `-3`. Refusal messages go to stderr (wasip1).

use edgemix_preprocess::text::{normalize, TextConfig};
use edgemix_preprocess::{Error, ErrorKind};
use edgemix_wasm_abi::{export_module, Code, Format, Module};

struct TextNormalize {
    config: TextConfig,
}

fn refuse(err: Error) -> Code {
    eprintln!("text_normalize: {err}");
    match err.kind {
        ErrorKind::Config => Code::InvalidConfig,
        ErrorKind::Input => Code::InvalidInput,
    }
}

impl Module for TextNormalize {
    const NAME: &'static str = "text_normalize";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str =
        "Text normalisation: UTF-8 text in, {text, tokens} JSON out (Unicode NFKC, lowercase, white-space or UAX #29 word tokens)";
    const INPUT: Format = Format::Bytes;
    const OUTPUT: Format = Format::Json;

    fn initialize(_session_id: &str) -> Result<Self, Code> {
        Ok(Self { config: TextConfig::default() })
    }

    fn configure(&mut self, json: &str) -> Result<(), Code> {
        self.config = TextConfig::from_json(json).map_err(refuse)?;
        Ok(())
    }

    fn process(&mut self, input: &[u8], output: &mut Vec<u8>) -> Result<(), Code> {
        let result = normalize(&self.config, input).map_err(refuse)?;
        serde_json::to_writer(output, &result).map_err(|_| Code::Failed)
    }
}

export_module!(TextNormalize);
