//! `MFCC`: 13 mel-frequency cepstral coefficients per 20 ms frame, by the streaming
//! feature extractor (librosa-compatible framing and scaling; see
//! `edgemix_dsp::FeatureExtractor`). Every `hop` samples pushed complete one frame; a
//! stream's frames continue across its messages.

use edgemix_dsp::{AnalysisConfig, AnalysisFrames, FeatureExtractor};

use super::data::{Audio, NodeData};
use super::error::NodeError;
use super::params::{ParamSpec, ParamType};
use super::registry::NodeSpec;
use super::Node;

const NAME: &str = "MFCC";

struct Mfcc {
    extractor: FeatureExtractor,
}

impl Node for Mfcc {
    /// The frames this input completes, as rows of `nMfcc` coefficients (possibly none).
    fn process(&mut self, input: NodeData) -> Result<NodeData, NodeError> {
        let (samples, rate) = input.into_audio(NAME)?.into_mono(NAME)?;
        Audio::check_rate(rate, self.extractor.settings().sample_rate, NAME)?;
        let n_mfcc = self.extractor.settings().n_mfcc;
        let mut frames = AnalysisFrames::new(n_mfcc);
        self.extractor.push(&samples, &mut frames)?;
        Ok(NodeData::Matrix {
            columns: n_mfcc,
            values: frames.mfcc,
        })
    }
}

const COUNT: ParamType = ParamType::Number(None);

pub fn spec() -> NodeSpec {
    NodeSpec::new(
        NAME,
        "analysis",
        "MFCCs of mono audio, one row of nMfcc coefficients per hop samples (streaming framing: the window of each \
         frame ends at its newest sample, with nFft - hop samples of silence before the first). Output: a list of \
         frames, each a list of coefficients (json), or the coefficients frame-major as float32 (f32le).",
        vec![
            ParamSpec::new("sampleRate", ParamType::Number(Some(AnalysisConfig::SAMPLE_RATE)), "48000", "Sample rate of the audio, Hz."),
            ParamSpec::new("nFft", COUNT, "1024", "FFT size = window length, samples: even, 16 to 65536."),
            ParamSpec::new("hop", COUNT, "960", "Hop between frames, samples: 1 to nFft."),
            ParamSpec::new("nMels", COUNT, "40", "Mel bands (Slaney), 1 to 512."),
            ParamSpec::new("fMin", COUNT, "0", "Lowest mel band edge, Hz: 0 to below fMax."),
            ParamSpec::new("fMax", COUNT, "", "Highest mel band edge, Hz: above fMin up to sampleRate/2 (default sampleRate/2)."),
            ParamSpec::new("nMfcc", COUNT, "13", "Coefficients per frame, 1 to nMels."),
        ],
        |config, _| {
            let settings = AnalysisConfig::from_json(&config.to_object()).map_err(|e| NodeError::from(e).context(NAME))?;
            Ok(Box::new(Mfcc { extractor: FeatureExtractor::new(settings) }))
        },
    )
}
