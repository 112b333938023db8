//! Times the analysis directly in Rust and prints JSON:
//!
//! ```json
//! {"mfcc": {"frames": n, "nsPerFrame": {"p50": .., "mean": ..}},
//!  "mfccAndSpectral": {"frames": n, "nsPerFrame": {"p50": .., "mean": ..}},
//!  "loudness60s": {"integratedMs": .., "fullMs": ..}}
//! ```
//!
//! `mfcc`: the streaming `FeatureExtractor` at the defaults (1024-sample window, 960 hop,
//! 40 mel bands, 13 coefficients), one 960-sample frame per push, MFCCs only.
//! `mfccAndSpectral`: the same with the spectral features. `loudness60s`: best of 5
//! over 60 s of mono 48 kHz audio; `integratedMs` is the K-weighting and gating alone
//! (what pyloudnorm's `integrated_loudness` computes), `fullMs` adds the 4× true-peak
//! oversampler and the short-term series. Used by `npm run bench`.

#[path = "common/signal.rs"]
mod signal;

use std::time::Instant;

use edgemix_dsp::{
    AnalysisConfig, AnalysisFrames, FeatureExtractor, LoudnessMeter, LoudnessSettings,
    FRAME_SAMPLES,
};

fn main() {
    let frames: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let input = signal::test_signal(48_000 * 60);
    let mfcc = time_frames(&input, frames, false);
    let spectral = time_frames(&input, frames, true);
    let settings = LoudnessSettings::mono(48_000.0).expect("valid");
    let integrated = best_of(5, || {
        let mut meter = LoudnessMeter::with_true_peak(settings.clone(), false);
        meter.push(&input).expect("finite");
        std::hint::black_box(meter.integrated_lufs());
    });
    let full = best_of(5, || {
        let mut meter = LoudnessMeter::new(settings.clone());
        meter.push(&input).expect("finite");
        std::hint::black_box(meter.report());
    });
    println!(
        "{{\"mfcc\": {mfcc}, \"mfccAndSpectral\": {spectral}, \"loudness60s\": {{\"integratedMs\": {integrated:.2}, \"fullMs\": {full:.2}}}}}"
    );
}

fn time_frames(input: &[f32], frames: usize, spectral: bool) -> String {
    let settings = AnalysisConfig {
        spectral,
        ..AnalysisConfig::default()
    }
    .validate()
    .expect("valid");
    let mut extractor = FeatureExtractor::new(settings);
    let mut out = AnalysisFrames::new(settings.n_mfcc);
    out.mfcc.reserve(64);
    let blocks = input.len() / FRAME_SAMPLES;
    let mut times = Vec::with_capacity(frames);
    for i in 0..frames + 1000 {
        let start = (i % blocks) * FRAME_SAMPLES;
        out.clear();
        let t = Instant::now();
        extractor
            .push(&input[start..start + FRAME_SAMPLES], &mut out)
            .expect("finite input");
        let ns = t.elapsed().as_nanos() as f64;
        if i >= 1000 {
            times.push(ns);
        }
        std::hint::black_box(&out);
    }
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    times.sort_by(f64::total_cmp);
    let p50 = times[times.len() / 2];
    format!("{{\"frames\": {frames}, \"nsPerFrame\": {{\"p50\": {p50:.1}, \"mean\": {mean:.1}}}}}")
}

fn best_of(runs: usize, mut f: impl FnMut()) -> f64 {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .fold(f64::INFINITY, f64::min)
}
