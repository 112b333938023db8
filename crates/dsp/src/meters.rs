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
        }
    }
}

/// Peak and RMS of a block in dBFS.
pub(crate) fn peak_rms_db(block: &[f32]) -> (f64, f64) {
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
