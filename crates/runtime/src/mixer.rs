//! The mixer chain as serial state behind the addon's `MixerChain`: audio blocks,
//! configuration changes and resets applied in the order they were issued, with meters
//! readable at any time. (The cloud's `AudioMixer` node, in `edgemix-cloud`, wraps the
//! same `edgemix_dsp::MixerChain` for gRPC requests and streams.)

use std::sync::{Arc, Mutex, PoisonError};

use edgemix_dsp::{AudioError, ChainConfig, Meters, MixerChain};

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

impl MixerOutput {
    /// The audio result of a `Process` operation.
    pub fn into_audio(self) -> Result<Vec<f32>, AudioError> {
        match self {
            MixerOutput::Audio(result) => result,
            MixerOutput::Done => unreachable!("only Process operations are collected for audio"),
        }
    }
}

/// Meters published after every operation, readable without waiting for a block in
/// progress.
#[derive(Clone, Default)]
pub struct MetersHandle(Arc<Mutex<Meters>>);

impl MetersHandle {
    pub fn get(&self) -> Meters {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn set(&self, meters: Meters) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = meters;
    }
}

/// A mixer chain and the meters it publishes.
pub struct MixerState {
    chain: MixerChain,
    meters: MetersHandle,
}

impl MixerState {
    pub fn new(chain: MixerChain) -> Self {
        Self {
            chain,
            meters: MetersHandle::default(),
        }
    }

    pub fn meters(&self) -> MetersHandle {
        self.meters.clone()
    }

    /// Processes `block` in place and publishes the meters.
    pub fn process(&mut self, block: &mut [f32]) -> Result<(), AudioError> {
        self.chain.process(block)?;
        self.meters.set(self.chain.meters());
        Ok(())
    }
}

impl Stateful for MixerState {
    type Op = MixerOp;
    type Output = MixerOutput;

    fn apply(&mut self, op: MixerOp) -> MixerOutput {
        match op {
            MixerOp::Process(mut block) => {
                MixerOutput::Audio(self.process(&mut block).map(|()| block))
            }
            MixerOp::Configure(config) => {
                self.chain
                    .configure(config)
                    .expect("configuration was validated when it was issued");
                MixerOutput::Done
            }
            MixerOp::Reset => {
                self.chain.reset();
                self.meters.set(self.chain.meters());
                MixerOutput::Done
            }
        }
    }
}

/// A mixer chain shared between threads, applying operations in issue order.
pub type SerialMixer = Serial<MixerState>;
