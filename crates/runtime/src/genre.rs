//! The streaming genre classifier as serial state: pushes and resets applied in the
//! order they were issued.

use edgemix_dsp::genre::{GenreDecision, StreamingGenreClassifier};
use edgemix_dsp::AudioError;

use crate::serial::Stateful;

/// A streaming genre classifier behind a [`crate::Serial`] queue.
pub struct GenreState(StreamingGenreClassifier);

impl GenreState {
    pub fn new(classifier: StreamingGenreClassifier) -> Self {
        Self(classifier)
    }
}

/// One operation on a genre classifier.
pub enum GenreOp {
    /// Feed a block; the output is the decision after it.
    Push(Vec<f32>),
    Reset,
}

impl Stateful for GenreState {
    type Op = GenreOp;
    type Output = Result<GenreDecision, AudioError>;

    fn apply(&mut self, op: GenreOp) -> Self::Output {
        match op {
            GenreOp::Push(block) => self.0.push(&block).map(|()| self.0.decision()),
            GenreOp::Reset => {
                self.0.reset();
                Ok(self.0.decision())
            }
        }
    }
}
