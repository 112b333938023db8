//! The mixer chain as a stateful node: audio blocks, configuration changes and resets
//! applied in the order they were issued.

use edgemix_dsp::{AudioError, ChainConfig, MixerChain};

use crate::serial::{Serial, Stateful};

/// One operation on a mixer chain.
pub enum MixerOp {
    /// Process a block; the output is the processed block or why it was refused.
    Process(Vec<f32>),
    /// Apply an already validated configuration.
    Configure(ChainConfig),
    Reset,
}

pub enum MixerOutput {
    Audio(Result<Vec<f32>, AudioError>),
    Done,
}

impl Stateful for MixerChain {
    type Op = MixerOp;
    type Output = MixerOutput;

    fn apply(&mut self, op: MixerOp) -> MixerOutput {
        match op {
            MixerOp::Process(mut block) => {
                MixerOutput::Audio(MixerChain::process(self, &mut block).map(|()| block))
            }
            MixerOp::Configure(config) => {
                self.configure(config).expect("configuration was validated when it was issued");
                MixerOutput::Done
            }
            MixerOp::Reset => {
                MixerChain::reset(self);
                MixerOutput::Done
            }
        }
    }
}

/// A mixer chain shared between threads, applying operations in issue order.
pub type SerialMixer = Serial<MixerChain>;

impl MixerOutput {
    /// The audio result of a `Process` operation.
    pub fn into_audio(self) -> Result<Vec<f32>, AudioError> {
        match self {
            MixerOutput::Audio(result) => result,
            MixerOutput::Done => unreachable!("only Process operations are collected for audio"),
        }
    }
}
