//! Frame accuracy of the Silero VAD on the labelled VAD set (crates/dsp/tests/vad_set:
//! espeak-ng speech with pink noise and a music bed at 20 and 5 dB SNR), next to the
//! edge VAD (`edgemix_dsp::Vad`) on the same samples. Target: ≥ 0.95 in every
//! condition.

#[path = "../../dsp/tests/vad_set/signals.rs"]
mod signals;

use edgemix_dsp::{Vad, VadConfig};
use edgemix_silero::{SileroConfig, SileroVad};
use signals::{accuracy, condition_signal, test_set, CONDITIONS, SET_FRAME};

const TARGET: f64 = 0.95;

/// One decision per 960-sample frame, streamed frame by frame, then flushed.
fn silero_decisions(signal: &[f32]) -> Vec<bool> {
    let mut vad = SileroVad::new(SileroConfig::default()).unwrap();
    let mut frames = Vec::new();
    for frame in signal.chunks_exact(SET_FRAME) {
        frames.extend(vad.process(frame).unwrap());
    }
    frames.extend(vad.flush().unwrap());
    frames
        .iter()
        .enumerate()
        .for_each(|(i, f)| assert_eq!(f.index, i as u64, "frames in order, each once"));
    frames.iter().map(|f| f.speech).collect()
}

fn edge_decisions(signal: &[f32]) -> Vec<bool> {
    let mut vad = Vad::new(VadConfig::default()).unwrap();
    signal
        .chunks_exact(SET_FRAME)
        .map(|frame| vad.process(frame).unwrap().speech)
        .collect()
}

#[test]
fn frame_accuracy_is_at_least_095_in_every_condition() {
    let set = test_set();
    let mut report = Vec::new();
    for condition in &CONDITIONS {
        let signal = condition_signal(&set, condition);
        let silero = accuracy(&silero_decisions(&signal), &set.labels);
        let edge = accuracy(&edge_decisions(&signal), &set.labels);
        report.push((condition.name, silero, edge));
    }
    eprintln!("condition     silero  edge");
    for (name, silero, edge) in &report {
        eprintln!("{name:<12}  {silero:.4}  {edge:.4}");
    }
    for (name, silero, _) in report {
        assert!(
            silero >= TARGET,
            "{name}: Silero frame accuracy {silero:.4} < {TARGET}"
        );
    }
}
