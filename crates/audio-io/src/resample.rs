//! Sample-rate conversion with rubato's synchronous FFT resampler (whole-Hz rates),
//! continuous across the blocks of a stream, delay-compensated: a whole signal of `n`
//! frames at `from` Hz becomes `round(n · to / from)` frames at `to` Hz, aligned with the
//! input (the resampler's own delay is dropped from the start and flushed at the end).

use rubato::{FftFixedIn, Resampler};

use crate::error::{AudioIoError, Result};
use crate::samples::check_frames;

/// Lowest sample rate converted, Hz.
pub const MIN_RATE_HZ: u32 = 8000;
/// Highest sample rate converted, Hz.
pub const MAX_RATE_HZ: u32 = 192_000;
/// Input frames per FFT chunk, at least (see [`chunk_frames`]).
const CHUNK: usize = 1024;

/// Largest sample magnitude resampled (audio is nominally within ±1). The FFT sums up to
/// a few thousand weighted samples; beyond this bound those sums overflow f32 and the
/// inverse transform fails, so larger samples are refused (`ERR_INVALID_AUDIO`).
pub const MAX_SAMPLE_MAGNITUDE: f32 = 1e30;

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Input frames per FFT chunk for `from` → `to`: about [`CHUNK`], an even number of
/// the ratio's smallest input chunk `from / gcd`. The FFT resampler's filter is centred
/// at `⌊n_in / 2⌋` input frames, `⌊n_in / 2⌋ · to / from` output frames, and it reports
/// `⌊n_out / 2⌋` as its delay: the two agree exactly only when both sizes are even (an
/// odd 1029-frame chunk at 44.1 → 48 kHz would leave the output half an input sample early).
fn chunk_frames(from: usize, to: usize) -> usize {
    let unit = from / gcd(from, to);
    let units = CHUNK.div_ceil(unit);
    (units + units % 2) * unit
}

/// A resampler fed blocks of any length; one instance per stream.
pub struct StreamResampler {
    from: u32,
    to: u32,
    /// Created on the first block (its channel count fixes the stream's).
    inner: Option<FftFixedIn<f32>>,
    /// Input not yet consumed, per channel.
    pending: Vec<Vec<f32>>,
    frames_in: u64,
    frames_out: u64,
    /// Output frames still to drop (the resampler's delay).
    skip: usize,
}

impl StreamResampler {
    /// A resampler from `from` to `to` Hz (checked on the first block).
    pub fn new(from: u32, to: u32) -> Self {
        Self {
            from,
            to,
            inner: None,
            pending: Vec::new(),
            frames_in: 0,
            frames_out: 0,
            skip: 0,
        }
    }

    fn resampler(&mut self, channels: usize) -> Result<&mut FftFixedIn<f32>> {
        if self.inner.is_none() {
            let (from, to) = (self.from as usize, self.to as usize);
            let inner = FftFixedIn::new(from, to, chunk_frames(from, to), 1, channels)
                .map_err(|e| {
                    AudioIoError::Config(format!(
                        "cannot resample {} Hz to {} Hz: {e}",
                        self.from, self.to
                    ))
                })?;
            self.skip = inner.output_delay();
            self.pending = vec![Vec::new(); channels];
            self.inner = Some(inner);
        }
        let inner = self.inner.as_mut().expect("created above");
        if inner.nbr_channels() != channels {
            return Err(AudioIoError::Audio(format!(
                "this stream carries {} channels, received {channels}: the channel count is fixed by the first frame",
                inner.nbr_channels()
            )));
        }
        Ok(inner)
    }

    /// Appends `out` to `into`, after dropping what is left of the delay.
    fn emit(&mut self, out: Vec<Vec<f32>>, into: &mut [Vec<f32>], limit: Option<u64>) {
        let available = out.first().map_or(0, Vec::len);
        let start = self.skip.min(available);
        self.skip -= start;
        let mut end = available;
        if let Some(limit) = limit {
            end = end.min(start + limit.saturating_sub(self.frames_out) as usize);
        }
        for (dst, src) in into.iter_mut().zip(&out) {
            dst.extend_from_slice(&src[start..end]);
        }
        self.frames_out += (end - start) as u64;
    }

    /// Resamples what `channels` (planar, equal lengths) completes; the rest waits for
    /// more input.
    pub fn push(&mut self, channels: Vec<Vec<f32>>) -> Result<Vec<Vec<f32>>> {
        if let Some(x) = channels.iter().flatten().find(|x| !(x.abs() <= MAX_SAMPLE_MAGNITUDE)) {
            return Err(AudioIoError::Audio(format!(
                "a sample is {x}: resampling takes samples of magnitude at most {MAX_SAMPLE_MAGNITUDE:e} (audio is nominally -1.0 to 1.0)"
            )));
        }
        self.resampler(channels.len())?;
        self.frames_in += channels[0].len() as u64;
        for (pending, channel) in self.pending.iter_mut().zip(channels) {
            pending.extend_from_slice(&channel);
        }
        let mut result = vec![Vec::new(); self.pending.len()];
        loop {
            let inner = self.inner.as_mut().expect("created by resampler()");
            let need = inner.input_frames_next();
            if self.pending[0].len() < need {
                break;
            }
            let chunk: Vec<&[f32]> = self.pending.iter().map(|c| &c[..need]).collect();
            let out = inner
                .process(&chunk, None)
                .map_err(|e| AudioIoError::Internal(e.to_string()))?;
            for pending in &mut self.pending {
                pending.drain(..need);
            }
            self.emit(out, &mut result, None);
        }
        Ok(result)
    }

    /// Everything still buffered, up to the total output length of the whole signal.
    pub fn flush(&mut self) -> Result<Vec<Vec<f32>>> {
        let Some(channels) = self.inner.as_ref().map(|r| r.nbr_channels()) else {
            return Ok(Vec::new());
        };
        let total =
            (self.frames_in as f64 * f64::from(self.to) / f64::from(self.from)).round() as u64;
        let mut result = vec![Vec::new(); channels];
        while self.frames_out < total {
            let pending = std::mem::take(&mut self.pending);
            let inner = self.inner.as_mut().expect("checked above");
            let out = if pending[0].is_empty() {
                inner.process_partial::<Vec<f32>>(None, None)
            } else {
                inner.process_partial(Some(&pending), None)
            }
            .map_err(|e| AudioIoError::Internal(e.to_string()))?;
            self.pending = vec![Vec::new(); channels];
            self.emit(out, &mut result, Some(total));
        }
        Ok(result)
    }
}

/// Checks a rate for conversion: a whole number of Hz in [`MIN_RATE_HZ`]..=[`MAX_RATE_HZ`].
pub fn check_rate(what: &str, rate: f64) -> Result<u32> {
    if rate.fract() == 0.0 && (f64::from(MIN_RATE_HZ)..=f64::from(MAX_RATE_HZ)).contains(&rate) {
        Ok(rate as u32)
    } else {
        Err(AudioIoError::Config(format!(
            "{what} {rate} Hz cannot be converted: allowed whole numbers of Hz from {MIN_RATE_HZ} to {MAX_RATE_HZ}"
        )))
    }
}

/// Converts a whole interleaved signal of `channels` from `from` to `to` Hz (see the
/// module documentation for its length and alignment). Equal rates return a copy.
pub fn resample(samples: &[f32], channels: usize, from: f64, to: f64) -> Result<Vec<f32>> {
    let (from, to) = (check_rate("sample rate", from)?, check_rate("target sample rate", to)?);
    check_frames(samples, channels)?;
    if from == to || samples.is_empty() {
        return Ok(samples.to_vec());
    }
    let planar: Vec<Vec<f32>> = (0..channels)
        .map(|c| samples.iter().skip(c).step_by(channels).copied().collect())
        .collect();
    let mut resampler = StreamResampler::new(from, to);
    let mut out = resampler.push(planar)?;
    for (channel, tail) in out.iter_mut().zip(resampler.flush()?) {
        channel.extend(tail);
    }
    let frames = out[0].len();
    Ok((0..frames)
        .flat_map(|i| out.iter().map(move |c| c[i]))
        .collect())
}
