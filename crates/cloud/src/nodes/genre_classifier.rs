//! `GenreClassifier`: the streaming 5-class genre classifier (speech, rock, jazz,
//! electronic, classical; see `edgemix_dsp::genre`). Each input continues the stream and
//! is answered with the decision in effect after it: smoothed over seconds, with
//! hysteresis, `genre: null` below the confidence threshold and for the first 3 s.

use edgemix_dsp::genre::{Genre, GenreDecision, StreamingGenreClassifier, StreamingGenreOptions};
use serde_json::{json, Map, Value};

use super::data::{Audio, NodeData};
use super::error::NodeError;
use super::params::{ParamSpec, ParamType};
use super::registry::NodeSpec;
use super::Node;

const NAME: &str = "GenreClassifier";

struct GenreClassifier {
    classifier: StreamingGenreClassifier,
}

/// `{ genre, confidence, probabilities: { speech, rock, jazz, electronic, classical } }`.
fn decision_json(decision: &GenreDecision) -> Value {
    let probabilities: Map<String, Value> = Genre::ALL
        .iter()
        .zip(decision.probabilities)
        .map(|(g, p)| (g.as_str().to_owned(), json!(p)))
        .collect();
    json!({
        "genre": decision.genre.map(Genre::as_str),
        "confidence": decision.confidence,
        "probabilities": probabilities,
    })
}

impl Node for GenreClassifier {
    fn process(&mut self, input: NodeData) -> Result<NodeData, NodeError> {
        let (samples, rate) = input.into_audio(NAME)?.into_mono(NAME)?;
        Audio::check_rate(rate, f64::from(self.classifier.sample_rate()), NAME)?;
        self.classifier
            .push(&samples)
            .map_err(|e| NodeError::from(e).context(NAME))?;
        Ok(NodeData::Json(decision_json(&self.classifier.decision())))
    }
}

pub fn spec() -> NodeSpec {
    let o = StreamingGenreOptions::default();
    NodeSpec::new(
        NAME,
        "analysis",
        "Streaming genre decision over mono audio (speech, rock, jazz, electronic, classical): each input continues \
         the stream and is answered with { genre, confidence, probabilities }; genre is null below the threshold and \
         during the first 3 s. Synthetic-benchmark model: see the README.",
        vec![
            ParamSpec::new(
                "sampleRate",
                ParamType::Number(None),
                "48000",
                "Sample rate of the audio, Hz: 16000 to 192000 (16000, 22050, 24000, 32000, 44100, 48000, 96000, ...).",
            ),
            ParamSpec::new("hopMs", ParamType::Number(Some(StreamingGenreOptions::HOP_MS)), o.hop_ms.to_string(), "Time between window evaluations, ms."),
            ParamSpec::new(
                "smoothingMs",
                ParamType::Number(Some(StreamingGenreOptions::SMOOTHING_MS)),
                o.smoothing_ms.to_string(),
                "Time constant of the probability averaging, ms.",
            ),
            ParamSpec::new("holdMs", ParamType::Number(Some(StreamingGenreOptions::HOLD_MS)), o.hold_ms.to_string(), "How long a new genre must qualify before a switch, ms."),
            ParamSpec::new("margin", ParamType::Number(Some(StreamingGenreOptions::MARGIN)), o.margin.to_string(), "Probability lead a new genre needs over the current one."),
            ParamSpec::new(
                "threshold",
                ParamType::Number(Some(StreamingGenreOptions::THRESHOLD)),
                o.threshold.to_string(),
                "Smoothed probability below which genre is null (neutral).",
            ),
        ],
        |config, _| {
            let (sample_rate, options) =
                StreamingGenreOptions::from_json(&config.to_object()).map_err(|e| NodeError::from(e).context(NAME))?;
            let classifier = StreamingGenreClassifier::new(sample_rate, options).map_err(|e| NodeError::from(e).context(NAME))?;
            Ok(Box::new(GenreClassifier { classifier }))
        },
    )
}
