//! The streaming feature extractor as serial state: pushes and resets applied in the
//! order they were issued.

use edgemix_dsp::{AnalysisFrames, AudioError, FeatureExtractor};

use crate::serial::Stateful;

/// A feature extractor behind a [`crate::Serial`] queue.
pub struct ExtractorState(FeatureExtractor);

impl ExtractorState {
    pub fn new(extractor: FeatureExtractor) -> Self {
        Self(extractor)
    }
}

/// One operation on an extractor.
pub enum ExtractorOp {
    /// Feed a block; the output is the frames it completed.
    Push(Vec<f32>),
    Reset,
}

impl Stateful for ExtractorState {
    type Op = ExtractorOp;
    type Output = Result<AnalysisFrames, AudioError>;

    fn apply(&mut self, op: ExtractorOp) -> Self::Output {
        let mut out = AnalysisFrames::new(self.0.settings().n_mfcc);
        match op {
            ExtractorOp::Push(block) => self.0.push(&block, &mut out).map(|_| out),
            ExtractorOp::Reset => {
                self.0.reset();
                Ok(out)
            }
        }
    }
}
