//! `mixer.wasm`: the mixer chain of `crates/dsp` (gate → compressor → EQ → limiter),
//! the same source as the native `MixerChain`, so the output is in parity with it.
//!
//! Configuration: the native JSON (`ChainConfig::from_json`: omitted keys take their
//! defaults); without `configure` the defaults. A refused configuration is `-4` (its
//! message goes to stderr). Input and output: f32 samples, any length; an empty block or
//! a non-finite sample is `-3`, with the chain unchanged.

use edgemix_dsp::{ChainConfig, MixerChain};
use edgemix_wasm_abi::{decode_f32_into, encode_f32, export_module, Code, Format, Module};

struct Mixer {
    chain: MixerChain,
    /// Samples of the block being processed (reused between calls).
    block: Vec<f32>,
    /// Nothing processed yet: `configure` builds a new chain, exactly as the native
    /// constructor does; afterwards it reconfigures, keeping the signal state.
    fresh: bool,
}

impl Module for Mixer {
    const NAME: &'static str = "mixer";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const DESCRIPTION: &'static str =
        "Mixer chain: noise gate, compressor, three-band EQ, limiter (mono, configured like the native MixerChain)";
    const INPUT: Format = Format::F32;
    const OUTPUT: Format = Format::F32;

    fn initialize(_session_id: &str) -> Result<Self, Code> {
        let chain = MixerChain::new(ChainConfig::default()).map_err(|_| Code::Failed)?;
        Ok(Mixer {
            chain,
            block: Vec::new(),
            fresh: true,
        })
    }

    fn configure(&mut self, json: &str) -> Result<(), Code> {
        let config = serde_json::from_str(json)
            .map_err(|err| err.to_string())
            .and_then(|value| ChainConfig::from_json(&value).map_err(|err| err.to_string()))
            .map_err(|message| {
                eprintln!("mixer: {message}");
                Code::InvalidConfig
            })?;
        if self.fresh {
            self.chain = MixerChain::new(config).map_err(|_| Code::InvalidConfig)?;
        } else {
            self.chain
                .configure(config)
                .map_err(|_| Code::InvalidConfig)?;
        }
        Ok(())
    }

    fn process(&mut self, input: &[u8], output: &mut Vec<u8>) -> Result<(), Code> {
        decode_f32_into(input, &mut self.block)?;
        self.chain
            .process(&mut self.block)
            .map_err(|_| Code::InvalidInput)?;
        self.fresh = false;
        encode_f32(&self.block, output);
        Ok(())
    }
}

export_module!(Mixer);
