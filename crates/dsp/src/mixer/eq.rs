//! Three-band equaliser: low shelf → mid peaking → high shelf, RBJ cookbook biquads
//! (see [`crate::mixer::biquad`]). A band with 0 dB gain is an exact identity. Each channel of
//! an interleaved block has its own filter state.

use serde::{Deserialize, Serialize};

use crate::error::ConfigError;
use crate::mixer::biquad::{Biquad, BiquadCoefficients};
use crate::mixer::link::Channels;
use crate::range::Range;

/// Highest band frequency allowed, as a fraction of the sample rate (just under Nyquist).
pub const MAX_FREQ_FRACTION: f64 = 0.49;

/// Equaliser parameters. Every band frequency must also lie below 0.49 × sampleRate
/// (the defaults fit sample rates from 16.4 kHz up; set `highFreqHz` lower for 8 kHz).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct EqConfig {
    /// Skip the stage (its state is reset when it is enabled again).
    pub bypass: bool,
    /// Low-shelf corner (half-gain point), Hz. 20 to 2000. Default 100.
    pub low_freq_hz: f64,
    /// Low-shelf gain, dB. −24 to 24. Default −3 (tames rumble and proximity boom).
    pub low_gain_db: f64,
    /// Mid peak centre, Hz. 100 to 16000. Default 3000.
    pub mid_freq_hz: f64,
    /// Mid peak gain at the centre, dB. −24 to 24. Default 2 (presence).
    pub mid_gain_db: f64,
    /// Mid peak quality factor. 0.1 to 10. Default 1.
    pub mid_q: f64,
    /// High-shelf corner (half-gain point), Hz. 1000 to 20000. Default 8000.
    pub high_freq_hz: f64,
    /// High-shelf gain, dB. −24 to 24. Default 2 (air).
    pub high_gain_db: f64,
}

impl Default for EqConfig {
    fn default() -> Self {
        Self {
            bypass: false,
            low_freq_hz: 100.0,
            low_gain_db: -3.0,
            mid_freq_hz: 3000.0,
            mid_gain_db: 2.0,
            mid_q: 1.0,
            high_freq_hz: 8000.0,
            high_gain_db: 2.0,
        }
    }
}

impl EqConfig {
    pub const LOW_FREQ_HZ: Range = Range::new("eq.lowFreqHz", 20.0, 2000.0, "Hz");
    pub const LOW_GAIN_DB: Range = Range::new("eq.lowGainDb", -24.0, 24.0, "dB");
    pub const MID_FREQ_HZ: Range = Range::new("eq.midFreqHz", 100.0, 16000.0, "Hz");
    pub const MID_GAIN_DB: Range = Range::new("eq.midGainDb", -24.0, 24.0, "dB");
    pub const MID_Q: Range = Range::new("eq.midQ", 0.1, 10.0, "");
    pub const HIGH_FREQ_HZ: Range = Range::new("eq.highFreqHz", 1000.0, 20000.0, "Hz");
    pub const HIGH_GAIN_DB: Range = Range::new("eq.highGainDb", -24.0, 24.0, "dB");

    pub fn validate(&self, sample_rate: f64) -> Result<(), ConfigError> {
        for (range, value) in [
            (Self::LOW_FREQ_HZ, self.low_freq_hz),
            (Self::MID_FREQ_HZ, self.mid_freq_hz),
            (Self::HIGH_FREQ_HZ, self.high_freq_hz),
        ] {
            range.check(value)?;
            let limit = MAX_FREQ_FRACTION * sample_rate;
            if value >= limit {
                return Err(ConfigError::new(
                    range.name,
                    format!(
                        "{} = {} Hz is out of range: at sampleRate {} Hz it must be below {} Hz (0.49 × sampleRate)",
                        range.name, value, sample_rate, limit
                    ),
                ));
            }
        }
        Self::LOW_GAIN_DB.check(self.low_gain_db)?;
        Self::MID_GAIN_DB.check(self.mid_gain_db)?;
        Self::MID_Q.check(self.mid_q)?;
        Self::HIGH_GAIN_DB.check(self.high_gain_db)
    }

    fn coefficients(&self, sample_rate: f64) -> [BiquadCoefficients; 3] {
        [
            BiquadCoefficients::low_shelf(sample_rate, self.low_freq_hz, self.low_gain_db),
            BiquadCoefficients::peaking(
                sample_rate,
                self.mid_freq_hz,
                self.mid_gain_db,
                self.mid_q,
            ),
            BiquadCoefficients::high_shelf(sample_rate, self.high_freq_hz, self.high_gain_db),
        ]
    }
}

/// Three-band equaliser state.
#[derive(Debug, Clone)]
pub struct ThreeBandEq {
    /// The three bands of each channel.
    bands: Vec<[Biquad; 3]>,
}

impl ThreeBandEq {
    /// A mono equaliser.
    pub fn new(config: &EqConfig, sample_rate: f64) -> Self {
        Self::with_channels(config, sample_rate, Channels::Mono)
    }

    /// An equaliser for interleaved blocks of `channels`, one filter state per channel.
    pub fn with_channels(config: &EqConfig, sample_rate: f64, channels: Channels) -> Self {
        let bands = config.coefficients(sample_rate).map(Biquad::new);
        Self {
            bands: vec![bands; channels.count()],
        }
    }

    /// Applies new parameters, keeping the filter state.
    pub fn set_config(&mut self, config: &EqConfig, sample_rate: f64) {
        let coefficients = config.coefficients(sample_rate);
        for bands in &mut self.bands {
            for (band, &c) in bands.iter_mut().zip(&coefficients) {
                band.set_coefficients(c);
            }
        }
    }

    pub fn reset(&mut self) {
        self.bands.iter_mut().flatten().for_each(Biquad::reset);
    }

    /// Equalises `block` (whole interleaved frames) in place.
    pub fn process(&mut self, block: &mut [f32]) {
        let channels = self.bands.len();
        if let [bands] = &mut self.bands[..] {
            // Mono: a plain loop (a stride of 1 would cost an index computation per sample).
            block.iter_mut().for_each(|x| *x = tick(bands, *x));
            return;
        }
        for (c, bands) in self.bands.iter_mut().enumerate() {
            for x in block.iter_mut().skip(c).step_by(channels) {
                *x = tick(bands, *x);
            }
        }
    }
}

/// One sample through the three bands.
#[inline(always)]
fn tick([low, mid, high]: &mut [Biquad; 3], x: f32) -> f32 {
    high.tick(mid.tick(low.tick(f64::from(x)))) as f32
}
