//! Level and gain-reduction meters of the mixer chain.

use serde::Serialize;

/// Meters of the most recently processed block. Levels in dBFS (−∞ for digital
/// silence), gain reductions in dB as positive numbers (0 = no reduction), each the
/// largest reduction applied during the block.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Meters {
    pub input_peak_db: f64,
    pub input_rms_db: f64,
    pub output_peak_db: f64,
    pub output_rms_db: f64,
    pub gate_reduction_db: f64,
    pub compressor_reduction_db: f64,
    pub limiter_reduction_db: f64,
    /// Whether the gate was open at the end of the block.
    pub gate_open: bool,
    /// With noise suppression on: the network's voice-activity probability.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub denoise: Option<DenoiseMeters>,
    /// With loudness normalisation on: its measurement and gain.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub loudness: Option<LoudnessMeters>,
    /// While adaptive: the genre decision and the preset.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub adaptive: Option<AdaptiveMeters>,
}

/// Meters of the noise-suppression stage at the end of the block.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DenoiseMeters {
    /// RNNoise's voice-activity probability (0..1) for its last completed 10 ms frame,
    /// the larger of the two channels in stereo (0 before the first frame).
    pub denoise_speech_probability: f32,
}

/// Meters of the loudness-normalisation stage at the end of the block.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoudnessMeters {
    /// The stage's last measurement of its input, LUFS (−∞ before the first 400 ms or
    /// when nothing in the window passes the gates).
    pub loudness_lufs: f64,
    /// The normalisation gain applied to the last sample, dB.
    pub normalization_gain_db: f64,
}

/// The adaptive chain's state at the end of the block.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdaptiveMeters {
    /// The classifier's genre ("speech", "rock", "jazz", "electronic", "classical");
    /// `None` (null) below its confidence threshold or before its first decision.
    pub genre: Option<&'static str>,
    /// The classifier's confidence, 0..1 (0 before its first decision).
    pub genre_confidence: f32,
    /// The preset applied, or being morphed to ("neutral", "speech", ...).
    pub preset: &'static str,
}

impl Default for Meters {
    fn default() -> Self {
        Self {
            input_peak_db: f64::NEG_INFINITY,
            input_rms_db: f64::NEG_INFINITY,
            output_peak_db: f64::NEG_INFINITY,
            output_rms_db: f64::NEG_INFINITY,
            gate_reduction_db: 0.0,
            compressor_reduction_db: 0.0,
            limiter_reduction_db: 0.0,
            gate_open: false,
            denoise: None,
            loudness: None,
            adaptive: None,
        }
    }
}

crate::math::simd::with_avx2! {
    /// Peak and RMS of a block in dBFS.
    pub(crate) fn peak_rms_db(block: &[f32]) -> (f64, f64) = peak_rms_db_body;
}

#[inline(always)]
fn peak_rms_db_body(block: &[f32]) -> (f64, f64) {
    // Eight independent lanes so the loop vectorises; each 8-sample group's squares are
    // summed in f32 and the running total is kept in f64.
    let mut peak = [0.0f32; 8];
    let mut sum_sq = 0.0f64;
    let mut groups = block.chunks_exact(8);
    for group in &mut groups {
        let mut squares = [0.0f32; 8];
        for lane in 0..8 {
            let a = group[lane].abs();
            peak[lane] = if a > peak[lane] { a } else { peak[lane] };
            squares[lane] = group[lane] * group[lane];
        }
        sum_sq += f64::from(squares.iter().sum::<f32>());
    }
    let mut peak = peak.iter().fold(0.0f32, |m, &p| if p > m { p } else { m });
    for &x in groups.remainder() {
        peak = peak.max(x.abs());
        sum_sq += f64::from(x * x);
    }
    let rms = (sum_sq / block.len() as f64).sqrt();
    (crate::gain_to_db(f64::from(peak)), crate::gain_to_db(rms))
}
